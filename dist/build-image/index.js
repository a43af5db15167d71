import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a as i}from"../chunks/chunk-GEPAXB7N.js";import"../chunks/chunk-S36Z6RKQ.js";import"../chunks/chunk-IX4QH563.js";import"../chunks/chunk-CFSQLR55.js";import"../chunks/chunk-LTTA4YD4.js";import"../chunks/chunk-6ZBFKP27.js";import"../chunks/chunk-M3IBPF6P.js";await i("build-image");
