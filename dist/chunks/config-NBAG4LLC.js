import{a,b}from"./chunk-NIURG2OW.js";import"./chunk-OMBPNNEB.js";import"./chunk-FPGCCMNG.js";export{b as mlflowConfig,a as mlflowSecrets};
