import{l as m,m as o,p as r}from"../chunks/chunk-E2J44H7N.js";import"../chunks/chunk-FPGCCMNG.js";await m(o,r);
