import{E as m,r as o,s as r}from"../chunks/chunk-24TDDY7C.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
