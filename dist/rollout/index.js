import{D as m,p as o,r}from"../chunks/chunk-6AEKJ374.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
