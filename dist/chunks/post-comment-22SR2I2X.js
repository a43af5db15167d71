import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{b as a}from"./chunk-XGB4IOVU.js";import"./chunk-NF5E7ZK6.js";import"./chunk-6ZBFKP27.js";import"./chunk-M3IBPF6P.js";export{a as postReportComment};
