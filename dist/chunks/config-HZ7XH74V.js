import{G as a,H as b,W as c}from"./chunk-DFF34MJ3.js";import"./chunk-FPGCCMNG.js";export{c as __sluiceStart,b as mlflowConfig,a as mlflowSecrets};
