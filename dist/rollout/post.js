import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{b as o,c as r,d as m}from"../chunks/chunk-ZVBG53VM.js";import"../chunks/chunk-JOIOD7HK.js";import"../chunks/chunk-UVUAZSD2.js";import"../chunks/chunk-IYFLQGSK.js";import"../chunks/chunk-C6POICUH.js";import"../chunks/chunk-HANDA66I.js";import"../chunks/chunk-5YGG4NAC.js";import"../chunks/chunk-2IQFETD4.js";import"../chunks/chunk-JYVBWUKU.js";import"../chunks/chunk-7PRDWNFR.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
