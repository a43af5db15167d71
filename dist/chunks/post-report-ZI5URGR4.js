import{b as a}from"./chunk-X4QHRPWD.js";import{W as b}from"./chunk-NO3WU55K.js";import"./chunk-FPGCCMNG.js";export{b as __sluiceStart,a as postReportComment};
