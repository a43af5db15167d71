import{L as t,M as r,O as i}from"../chunks/chunk-CDL5EAXF.js";import"../chunks/chunk-FPGCCMNG.js";await t(r,i);
