import{K as t,L as r,N as i}from"../chunks/chunk-AJNMQWTJ.js";import"../chunks/chunk-FPGCCMNG.js";await t(r,i);
