import{G as a,H as b,I as c}from"./chunk-SZN3SSJO.js";import"./chunk-FPGCCMNG.js";export{a as __sluiceStart,c as mlflowConfig,b as mlflowSecrets};
