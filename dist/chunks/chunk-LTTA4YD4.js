import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
function e(r,n,t=`${n}s`){return`${r} ${r===1?n:t}`}export{e as a};
