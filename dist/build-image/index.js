import{J as i,v as m,w as o}from"../chunks/chunk-DJS34SMD.js";import"../chunks/chunk-FPGCCMNG.js";await i(o,m);
