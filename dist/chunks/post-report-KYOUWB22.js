import{b as a}from"./chunk-XCOJ6PXZ.js";import{W as b}from"./chunk-WIU2CSZN.js";import"./chunk-FPGCCMNG.js";export{b as __sluiceStart,a as postReportComment};
