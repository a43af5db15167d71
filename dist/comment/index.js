import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a as m}from"../chunks/chunk-AHODXMAW.js";import"../chunks/chunk-6LE4RMLM.js";import"../chunks/chunk-GRH4YG5B.js";import"../chunks/chunk-S3PIXWCY.js";import"../chunks/chunk-IW6W45MC.js";import"../chunks/chunk-GHZBFFCQ.js";await m("comment");
