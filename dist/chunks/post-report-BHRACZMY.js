import{n as a,o as b}from"./chunk-CTIWH3MM.js";import"./chunk-FPGCCMNG.js";export{a as __sluiceStart,b as postReportComment};
