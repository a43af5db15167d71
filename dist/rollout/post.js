import{D as m,q as o,r}from"../chunks/chunk-6AEKJ374.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
