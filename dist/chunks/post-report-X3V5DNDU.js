import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{l as a}from"./chunk-O3PQ5DCW.js";import"./chunk-HXEMTDRJ.js";import"./chunk-7IF5JPYF.js";import"./chunk-FPGCCMNG.js";export{a as postReportComment};
