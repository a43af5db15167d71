import{F as r,r as m,s as o}from"../chunks/chunk-HODEAI7Z.js";import"../chunks/chunk-FPGCCMNG.js";await r(o,m);
