import{B as a,C as b,D as c}from"./chunk-3HYDELP5.js";import"./chunk-FPGCCMNG.js";export{a as __sluiceStart,c as mlflowConfig,b as mlflowSecrets};
