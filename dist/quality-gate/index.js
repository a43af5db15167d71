import{K as t,L as r,N as i}from"../chunks/chunk-EPBEBQIX.js";import"../chunks/chunk-FPGCCMNG.js";await t(r,i);
