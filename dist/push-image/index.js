import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a as i}from"../chunks/chunk-6CG7JUUX.js";import"../chunks/chunk-J4SVLZ4H.js";import"../chunks/chunk-ZPUBWRPC.js";import"../chunks/chunk-NF5E7ZK6.js";import"../chunks/chunk-6ZBFKP27.js";import"../chunks/chunk-M3IBPF6P.js";await i("push-image");
