import{F as r,r as m,s as o}from"../chunks/chunk-3UJ43JJI.js";import"../chunks/chunk-FPGCCMNG.js";await r(o,m);
