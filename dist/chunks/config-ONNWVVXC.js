import{a,b}from"./chunk-HANDA66I.js";import"./chunk-7PRDWNFR.js";import"./chunk-M3IBPF6P.js";export{b as mlflowConfig,a as mlflowSecrets};
