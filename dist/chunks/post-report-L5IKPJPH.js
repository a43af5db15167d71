import{b as a}from"./chunk-2CXHJCMF.js";import{W as b}from"./chunk-DFF34MJ3.js";import"./chunk-FPGCCMNG.js";export{b as __sluiceStart,a as postReportComment};
