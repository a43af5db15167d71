import{I as i,u as m,v as o}from"../chunks/chunk-JTAO5EHG.js";import"../chunks/chunk-FPGCCMNG.js";await i(o,m);
