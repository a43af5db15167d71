import{A as a,B as b,C as c}from"./chunk-6AEKJ374.js";import"./chunk-FPGCCMNG.js";export{a as __sluiceStart,c as mlflowConfig,b as mlflowSecrets};
