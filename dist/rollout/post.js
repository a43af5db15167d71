import{D as m,q as o,r}from"../chunks/chunk-TJLZYGY3.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
