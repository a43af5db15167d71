import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{b as a}from"./chunk-ZUJT5DEI.js";import"./chunk-3RWS7XMN.js";import"./chunk-ZDMHOZSB.js";import"./chunk-LTTA4YD4.js";import"./chunk-J3GFGIW4.js";import"./chunk-PXZDL4J4.js";import"./chunk-6ZBFKP27.js";import"./chunk-FPGCCMNG.js";export{a as postReportComment};
