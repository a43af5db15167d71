import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{a,d as c,e as s,g as m,j as d}from"./chunk-63WT6Q3A.js";import u from"node:os";import l from"node:path";import o from"node:process";function p(t){if(!(!t.ACTIONS_RUNTIME_TOKEN||!(t.ACTIONS_RESULTS_URL||t.ACTIONS_CACHE_URL)))return{label:"the actions cache",async restore(e,n){return await(await import("./cache-5DQQDGEL.js")).restoreCache([e],n)!==void 0},async save(e,n){return await(await import("./cache-5DQQDGEL.js")).saveCache([e],n)!==-1}}}function h(t){return o.env[`INPUT_${t.replace(/ /g,"_").toUpperCase()}`]}async function U(t){let e=m(t),n=a[t];if(!e||!n)throw new Error(`no command ${t}`);let i=d(o.env,o.cwd(),r=>o.stdout.write(`${r}
`)),f=o.env.RUNNER_TEMP||u.tmpdir();o.exitCode=await c({def:e,impl:await n(i),platform:i,readInput:r=>h(r)||s(e,r,o.env),stdout:r=>o.stdout.write(r.endsWith(`
`)?r:`${r}
`),color:!1,duckDbStore:p(o.env),defaultJsonReport:l.join(f,"sluice",`${t}-${o.env.GITHUB_RUN_ATTEMPT??"1"}-${o.pid}.json`)})}export{U as a};
