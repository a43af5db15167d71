import{C as m,p as o,q as r}from"../chunks/chunk-3ZVLRODI.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
