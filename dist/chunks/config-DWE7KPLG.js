import{v as a,w as b,x as c}from"./chunk-GDP6Q2WV.js";import"./chunk-M3IBPF6P.js";export{a as __sluiceStart,c as mlflowConfig,b as mlflowSecrets};
