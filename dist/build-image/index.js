import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a as i}from"../chunks/chunk-XV2XQRT7.js";import"../chunks/chunk-2G3GIPRV.js";import"../chunks/chunk-6IBHNSD7.js";import"../chunks/chunk-WT3RVC5O.js";import"../chunks/chunk-TB2GVN3F.js";import"../chunks/chunk-LTTA4YD4.js";import"../chunks/chunk-6ZBFKP27.js";import"../chunks/chunk-M3IBPF6P.js";await i("build-image");
