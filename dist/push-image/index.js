import{F as r,r as m,s as o}from"../chunks/chunk-XQSLJ2TJ.js";import"../chunks/chunk-FPGCCMNG.js";await r(o,m);
