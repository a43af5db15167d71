import{D as m,p as o,r}from"../chunks/chunk-7OG776SF.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
