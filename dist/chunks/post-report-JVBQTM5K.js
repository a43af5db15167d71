import{b as a}from"./chunk-IDEIJMTO.js";import{W as b}from"./chunk-MSCQ6ZWA.js";import"./chunk-FPGCCMNG.js";export{b as __sluiceStart,a as postReportComment};
