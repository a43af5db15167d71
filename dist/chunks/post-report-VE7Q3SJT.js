import{b as a}from"./chunk-S4IV4P6Z.js";import{W as b}from"./chunk-2XECED2V.js";import"./chunk-FPGCCMNG.js";export{b as __sluiceStart,a as postReportComment};
