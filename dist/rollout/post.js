import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{b as o,c as r,d as m}from"../chunks/chunk-NTWTPPND.js";import"../chunks/chunk-JOAVZRRU.js";import"../chunks/chunk-GHTNH2QR.js";import"../chunks/chunk-CV4DM54U.js";import"../chunks/chunk-2IQFETD4.js";import"../chunks/chunk-7IF5JPYF.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
