import{D as m,q as o,r}from"../chunks/chunk-7OG776SF.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
