import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a,b}from"./chunk-NIURG2OW.js";import"./chunk-OMBPNNEB.js";import"./chunk-FPGCCMNG.js";export{b as mlflowConfig,a as mlflowSecrets};
