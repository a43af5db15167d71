import{C as t,D as r,F as i}from"../chunks/chunk-3O627NGU.js";import"../chunks/chunk-FPGCCMNG.js";await t(r,i);
