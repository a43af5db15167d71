import{l as m,m as o,p as r}from"../chunks/chunk-7LASQR3A.js";import"../chunks/chunk-FPGCCMNG.js";await m(o,r);
