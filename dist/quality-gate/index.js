import{C as t,D as r,F as i}from"../chunks/chunk-LG6FIN4Z.js";import"../chunks/chunk-FPGCCMNG.js";await t(r,i);
