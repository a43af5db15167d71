import{J as i,v as m,w as o}from"../chunks/chunk-GNUILX2J.js";import"../chunks/chunk-FPGCCMNG.js";await i(o,m);
