import{a,b}from"./chunk-HANDA66I.js";import"./chunk-7PRDWNFR.js";import"./chunk-FPGCCMNG.js";export{b as mlflowConfig,a as mlflowSecrets};
