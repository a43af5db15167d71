import{A as a,B as b,C as c}from"./chunk-UNJFYSGI.js";import"./chunk-FPGCCMNG.js";export{a as __sluiceStart,c as mlflowConfig,b as mlflowSecrets};
