import{f as a,g as b,n as c}from"./chunk-ZWYJ2CXS.js";import"./chunk-FPGCCMNG.js";export{c as __sluiceStart,b as mlflowConfig,a as mlflowSecrets};
