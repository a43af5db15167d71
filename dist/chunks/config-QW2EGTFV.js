import{M as c,s as a,t as b}from"./chunk-AJNMQWTJ.js";import"./chunk-FPGCCMNG.js";export{c as __sluiceStart,b as mlflowConfig,a as mlflowSecrets};
