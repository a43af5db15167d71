import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a}from"../chunks/chunk-MF3N6R4I.js";import"../chunks/chunk-7HEZNKMJ.js";import"../chunks/chunk-XQ6SIEDA.js";import"../chunks/chunk-PE5BTAWH.js";import"../chunks/chunk-6ZBFKP27.js";import"../chunks/chunk-M3IBPF6P.js";await a("validate-data");
