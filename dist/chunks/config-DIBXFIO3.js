import{C as a,D as b,E as c}from"./chunk-XQSLJ2TJ.js";import"./chunk-FPGCCMNG.js";export{a as __sluiceStart,c as mlflowConfig,b as mlflowSecrets};
