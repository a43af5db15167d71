import{D as m,q as o,r}from"../chunks/chunk-UNJFYSGI.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
