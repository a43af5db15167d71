import{C as a,D as b,E as c}from"./chunk-3UJ43JJI.js";import"./chunk-FPGCCMNG.js";export{a as __sluiceStart,c as mlflowConfig,b as mlflowSecrets};
