import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{o as a}from"./chunk-52UO7RRR.js";import"./chunk-7IF5JPYF.js";import"./chunk-FPGCCMNG.js";export{a as postReportComment};
