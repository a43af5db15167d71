import{D as m,q as o,r}from"../chunks/chunk-F6HUI3HO.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
