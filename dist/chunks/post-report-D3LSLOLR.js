import{n as a,o as b}from"./chunk-Y3MSRKLQ.js";import"./chunk-FPGCCMNG.js";export{a as __sluiceStart,b as postReportComment};
