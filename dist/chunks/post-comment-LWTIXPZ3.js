import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a}from"./chunk-F2LSKUG3.js";import"./chunk-S3PIXWCY.js";import"./chunk-IW6W45MC.js";import"./chunk-GHZBFFCQ.js";export{a as postReportComment};
