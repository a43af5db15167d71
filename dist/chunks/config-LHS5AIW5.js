import{A as b,B as c,z as a}from"./chunk-3ZVLRODI.js";import"./chunk-FPGCCMNG.js";export{a as __sluiceStart,c as mlflowConfig,b as mlflowSecrets};
