import{J as i,v as m,w as o}from"../chunks/chunk-SZN3SSJO.js";import"../chunks/chunk-FPGCCMNG.js";await i(o,m);
