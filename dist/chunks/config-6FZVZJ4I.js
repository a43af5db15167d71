import{v as a,w as b,x as c}from"./chunk-D2Z4WPOW.js";import"./chunk-M3IBPF6P.js";export{a as __sluiceStart,c as mlflowConfig,b as mlflowSecrets};
