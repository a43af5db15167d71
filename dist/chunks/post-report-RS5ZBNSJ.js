import{n as a,o as b}from"./chunk-7LASQR3A.js";import"./chunk-FPGCCMNG.js";export{a as __sluiceStart,b as postReportComment};
