import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a}from"./chunk-5SAJZLZF.js";import"./chunk-PE5BTAWH.js";import"./chunk-6ZBFKP27.js";import"./chunk-M3IBPF6P.js";export{a as postReportComment};
