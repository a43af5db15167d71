import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{b as a}from"./chunk-AVHT5IPH.js";import"./chunk-D2752LXY.js";import"./chunk-ZDMHOZSB.js";import"./chunk-LTTA4YD4.js";import"./chunk-4COXER2M.js";import"./chunk-OMBPNNEB.js";import"./chunk-FPGCCMNG.js";export{a as postReportComment};
