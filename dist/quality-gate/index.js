import{I as t,J as r,L as i}from"../chunks/chunk-ZM3J62X7.js";import"../chunks/chunk-FPGCCMNG.js";await t(r,i);
