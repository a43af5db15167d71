import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a as o,c as r,d as m}from"../chunks/chunk-KLHBEKUU.js";import"../chunks/chunk-IYFLQGSK.js";import"../chunks/chunk-C6POICUH.js";import"../chunks/chunk-2IQFETD4.js";import"../chunks/chunk-JYVBWUKU.js";import"../chunks/chunk-7PRDWNFR.js";import"../chunks/chunk-FPGCCMNG.js";await m(r,o);
