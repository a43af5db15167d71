import{l as m,m as o,p as r}from"../chunks/chunk-Y3MSRKLQ.js";import"../chunks/chunk-FPGCCMNG.js";await m(o,r);
