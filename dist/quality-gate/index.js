import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a as t}from"../chunks/chunk-2EFPPU3K.js";import"../chunks/chunk-USCH2M4H.js";import"../chunks/chunk-ZPUBWRPC.js";import"../chunks/chunk-NF5E7ZK6.js";import"../chunks/chunk-6ZBFKP27.js";import"../chunks/chunk-M3IBPF6P.js";await t("quality-gate");
