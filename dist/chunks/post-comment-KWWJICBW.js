import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{b as a}from"./chunk-VWKATXHK.js";import"./chunk-3Y6PS46Q.js";import"./chunk-LTTA4YD4.js";import"./chunk-6ZBFKP27.js";import"./chunk-M3IBPF6P.js";export{a as postReportComment};
