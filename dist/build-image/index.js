import{I as i,u as m,v as o}from"../chunks/chunk-O5LV5B35.js";import"../chunks/chunk-FPGCCMNG.js";await i(o,m);
