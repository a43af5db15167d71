import{n as a,o as b}from"./chunk-FWXOP22I.js";import"./chunk-FPGCCMNG.js";export{a as __sluiceStart,b as postReportComment};
