import{E as c,m as a,n as b}from"./chunk-3O627NGU.js";import"./chunk-FPGCCMNG.js";export{c as __sluiceStart,b as mlflowConfig,a as mlflowSecrets};
