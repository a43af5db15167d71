import{f as a,g as b,n as c}from"./chunk-E2J44H7N.js";import"./chunk-FPGCCMNG.js";export{c as __sluiceStart,b as mlflowConfig,a as mlflowSecrets};
