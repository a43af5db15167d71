import{I as t,J as r,L as i}from"../chunks/chunk-ETR6LS4G.js";import"../chunks/chunk-FPGCCMNG.js";await t(r,i);
