import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a as m}from"../chunks/chunk-RVKQPT2N.js";import"../chunks/chunk-SILV7NUL.js";import"../chunks/chunk-75K5NTGV.js";import"../chunks/chunk-5P4HTYV3.js";import"../chunks/chunk-6ZBFKP27.js";import"../chunks/chunk-GHZBFFCQ.js";await m("comment");
