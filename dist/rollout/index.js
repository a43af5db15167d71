import{D as m,p as o,r}from"../chunks/chunk-TJLZYGY3.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
