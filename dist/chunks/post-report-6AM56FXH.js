import{b as a}from"./chunk-7YMOYVRF.js";import{W as b}from"./chunk-ZISXCXR4.js";import"./chunk-FPGCCMNG.js";export{b as __sluiceStart,a as postReportComment};
