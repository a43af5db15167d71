import{b as a}from"./chunk-5EA6QSR6.js";import{W as b}from"./chunk-6KJJJRSG.js";import"./chunk-FPGCCMNG.js";export{b as __sluiceStart,a as postReportComment};
