import{K as c,s as a,t as b}from"./chunk-ETR6LS4G.js";import"./chunk-FPGCCMNG.js";export{c as __sluiceStart,b as mlflowConfig,a as mlflowSecrets};
