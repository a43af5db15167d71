import{b as a}from"./chunk-SYUOVWBL.js";import{W as b}from"./chunk-HHHPWWL7.js";import"./chunk-FPGCCMNG.js";export{b as __sluiceStart,a as postReportComment};
