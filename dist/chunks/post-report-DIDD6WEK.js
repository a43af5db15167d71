import{b as a}from"./chunk-4ZAJGGMD.js";import{W as b}from"./chunk-TPKJRLXI.js";import"./chunk-FPGCCMNG.js";export{b as __sluiceStart,a as postReportComment};
