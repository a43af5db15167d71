import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
function o(r,t){for(let n of t)r.push(n);return r}function u(r,t=-1/0){let n=t;for(let e of r)(e>n||Number.isNaN(e))&&(n=e);return n}function f(r,t=1/0){let n=t;for(let e of r)(e<n||Number.isNaN(e))&&(n=e);return n}export{o as a,u as b,f as c};
