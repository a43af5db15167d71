import{C as m,p as o,q as r}from"../chunks/chunk-WQY7XJXA.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
