import{f as a,g as b,n as c}from"./chunk-3M47J26Z.js";import"./chunk-FPGCCMNG.js";export{c as __sluiceStart,b as mlflowConfig,a as mlflowSecrets};
