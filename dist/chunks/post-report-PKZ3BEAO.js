import{n as a,o as b}from"./chunk-ZWYJ2CXS.js";import"./chunk-FPGCCMNG.js";export{a as __sluiceStart,b as postReportComment};
