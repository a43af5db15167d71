import{E as m,r as o,s as r}from"../chunks/chunk-3HYDELP5.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
