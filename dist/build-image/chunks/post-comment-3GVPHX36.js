import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a}from"./chunk-P6BRJEBA.js";import"./chunk-GEG4IV4P.js";import"./chunk-JN7QI7D6.js";import"./chunk-GHZBFFCQ.js";export{a as postReportComment};
