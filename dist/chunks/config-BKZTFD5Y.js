import{K as c,s as a,t as b}from"./chunk-ZM3J62X7.js";import"./chunk-FPGCCMNG.js";export{c as __sluiceStart,b as mlflowConfig,a as mlflowSecrets};
