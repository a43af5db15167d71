import{N as c,s as a,t as b}from"./chunk-CDL5EAXF.js";import"./chunk-FPGCCMNG.js";export{c as __sluiceStart,b as mlflowConfig,a as mlflowSecrets};
