import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a as m,d as s,e as p,g as a,j as d}from"./chunk-SILV7NUL.js";import f from"node:os";import u from"node:path";import o from"node:process";function l(r){return o.env[`INPUT_${r.replace(/ /g,"_").toUpperCase()}`]}async function P(r){let n=a(r),i=m[r];if(!n||!i)throw new Error(`no command ${r}`);let e=d(o.env,o.cwd(),t=>o.stdout.write(`${t}
`)),c=o.env.RUNNER_TEMP||f.tmpdir();o.exitCode=await s({def:n,impl:await i(e),platform:e,readInput:t=>l(t)||p(n,t,o.env),stdout:t=>o.stdout.write(t.endsWith(`
`)?t:`${t}
`),color:!1,defaultJsonReport:u.join(c,"sluice",`${r}-${o.env.GITHUB_RUN_ATTEMPT??"1"}-${o.pid}.json`)})}export{P as a};
