import{l as m,m as o,p as r}from"../chunks/chunk-3M47J26Z.js";import"../chunks/chunk-FPGCCMNG.js";await m(o,r);
