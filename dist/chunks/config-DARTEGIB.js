import{t as a,u as b,v as c}from"./chunk-4A4PKTCW.js";import"./chunk-M3IBPF6P.js";export{a as __sluiceStart,c as mlflowConfig,b as mlflowSecrets};
