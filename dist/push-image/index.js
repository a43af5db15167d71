import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a as i}from"../chunks/chunk-3UNPWDGJ.js";import"../chunks/chunk-F7MONQ4I.js";import"../chunks/chunk-ZPUBWRPC.js";import"../chunks/chunk-NF5E7ZK6.js";import"../chunks/chunk-6ZBFKP27.js";import"../chunks/chunk-M3IBPF6P.js";await i("push-image");
