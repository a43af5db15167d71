import{F as r,r as m,s as o}from"../chunks/chunk-XDNLXMH2.js";import"../chunks/chunk-FPGCCMNG.js";await r(o,m);
