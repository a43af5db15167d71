import{f as a,g as b,n as c}from"./chunk-Y3MSRKLQ.js";import"./chunk-FPGCCMNG.js";export{c as __sluiceStart,b as mlflowConfig,a as mlflowSecrets};
