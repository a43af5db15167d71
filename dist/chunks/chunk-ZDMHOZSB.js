import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
var s={pass:"\u2705",fail:"\u274C",warn:"\u26A0\uFE0F",new:"\u{1F195}",removed:"\u2796",unchanged:"\u26AA",info:"\u2139\uFE0F",skip:"\u23ED\uFE0F"},e=class{constructor(r){this.text=r}text;toJSON(){return Number(this.text)}},n=Symbol("folded count");function i(t){return t===void 0?0:t[n]??t.rows.length}export{s as a,e as b,n as c,i as d};
