import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a as i}from"../chunks/chunk-XBLM6QOP.js";import"../chunks/chunk-NYZYBV3W.js";import"../chunks/chunk-2TXE4NRD.js";import"../chunks/chunk-NF5E7ZK6.js";import"../chunks/chunk-6ZBFKP27.js";import"../chunks/chunk-M3IBPF6P.js";await i("infer-schema");
