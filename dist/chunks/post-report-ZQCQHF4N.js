import{l as a}from"./chunk-2EYMDNBS.js";import"./chunk-PBDC7JSJ.js";import"./chunk-7PRDWNFR.js";import"./chunk-FPGCCMNG.js";export{a as postReportComment};
