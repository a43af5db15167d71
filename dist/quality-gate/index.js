import{I as t,J as r,L as i}from"../chunks/chunk-ZD4RVRWZ.js";import"../chunks/chunk-FPGCCMNG.js";await t(r,i);
