import{F as a,G as b,H as c}from"./chunk-JTAO5EHG.js";import"./chunk-FPGCCMNG.js";export{a as __sluiceStart,c as mlflowConfig,b as mlflowSecrets};
