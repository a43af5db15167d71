import{D as m,p as o,r}from"../chunks/chunk-UNJFYSGI.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
