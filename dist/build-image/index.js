import{J as i,v as m,w as o}from"../chunks/chunk-QN43HYNC.js";import"../chunks/chunk-FPGCCMNG.js";await i(o,m);
