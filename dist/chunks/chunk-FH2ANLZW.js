import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
function i(o,t){let n=Array.from({length:t.length+1},(r,s)=>s);for(let r=1;r<=o.length;r++){let s=n[0];n[0]=r;for(let e=1;e<=t.length;e++){let u=n[e];n[e]=Math.min(u+1,n[e-1]+1,s+(o[r-1]===t[e-1]?0:1)),s=u}}return n[t.length]}export{i as a};
