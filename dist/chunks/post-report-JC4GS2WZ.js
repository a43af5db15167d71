import{b as a}from"./chunk-B3NEIZ37.js";import{W as b}from"./chunk-T5B6TL6P.js";import"./chunk-FPGCCMNG.js";export{b as __sluiceStart,a as postReportComment};
