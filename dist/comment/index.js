import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a as m}from"../chunks/chunk-AIEVBTJE.js";import"../chunks/chunk-63WT6Q3A.js";import"../chunks/chunk-VODVEFKE.js";import"../chunks/chunk-3Y6PS46Q.js";import"../chunks/chunk-TB2GVN3F.js";import"../chunks/chunk-LTTA4YD4.js";import"../chunks/chunk-6ZBFKP27.js";import"../chunks/chunk-M3IBPF6P.js";await m("comment");
