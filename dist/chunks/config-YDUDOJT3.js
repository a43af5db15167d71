import{G as a,H as b,W as c}from"./chunk-Z7T2VMFE.js";import"./chunk-FPGCCMNG.js";export{c as __sluiceStart,b as mlflowConfig,a as mlflowSecrets};
