import{E as c,m as a,n as b}from"./chunk-LG6FIN4Z.js";import"./chunk-FPGCCMNG.js";export{c as __sluiceStart,b as mlflowConfig,a as mlflowSecrets};
