import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{rmSync as c}from"node:fs";import{rm as n}from"node:fs/promises";var o=new Set,s=["SIGINT","SIGTERM","SIGHUP"],t=!1;function u(r){if(o.add(r),!t){t=!0;for(let e of s)process.once(e,()=>i(e))}}async function a(r){await n(r,{recursive:!0,force:!0}),o.delete(r)}function i(r){for(let e of o)c(e,{recursive:!0,force:!0});o.clear();for(let e of s)process.removeAllListeners(e);process.kill(process.pid,r)}export{u as a,a as b};
