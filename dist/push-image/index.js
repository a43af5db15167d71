import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a as i}from"../chunks/chunk-HAC5BIXE.js";import"../chunks/chunk-DANJVUQK.js";import"../chunks/chunk-75K5NTGV.js";import"../chunks/chunk-5P4HTYV3.js";import"../chunks/chunk-6ZBFKP27.js";import"../chunks/chunk-M3IBPF6P.js";await i("push-image");
