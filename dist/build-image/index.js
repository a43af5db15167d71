import{J as i,v as m,w as o}from"../chunks/chunk-UB2LT3SR.js";import"../chunks/chunk-FPGCCMNG.js";await i(o,m);
