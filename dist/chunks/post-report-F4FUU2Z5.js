import{b as a}from"./chunk-SIE64YJJ.js";import{W as b}from"./chunk-Z7T2VMFE.js";import"./chunk-FPGCCMNG.js";export{b as __sluiceStart,a as postReportComment};
