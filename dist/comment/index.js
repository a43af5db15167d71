import{l as m,m as o,p as r}from"../chunks/chunk-CTIWH3MM.js";import"../chunks/chunk-FPGCCMNG.js";await m(o,r);
