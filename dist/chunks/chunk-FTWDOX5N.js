import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
function s(t){return t.reason??new DOMException("The wait was aborted","AbortError")}var f={sleep(t,e){return new Promise((a,o)=>{if(e?.aborted){o(s(e));return}let n,i=()=>{clearTimeout(n),o(s(e))};e?.addEventListener("abort",i,{once:!0});let r=t>0?t:0,u=()=>{if(r===1/0)return;let p=Math.min(r,2147483647);n=setTimeout(()=>{if(r-=p,r>0)return u();e?.removeEventListener("abort",i),a()},p)};u()})}};export{f as a};
