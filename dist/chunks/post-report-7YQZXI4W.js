import{n as a,o as b}from"./chunk-E2J44H7N.js";import"./chunk-FPGCCMNG.js";export{a as __sluiceStart,b as postReportComment};
