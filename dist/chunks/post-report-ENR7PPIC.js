import{n as a,o as b}from"./chunk-3M47J26Z.js";import"./chunk-FPGCCMNG.js";export{a as __sluiceStart,b as postReportComment};
