import{D as m,p as o,r}from"../chunks/chunk-5XQG4PDH.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
