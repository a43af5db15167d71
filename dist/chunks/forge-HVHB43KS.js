import { createRequire as __sluiceCreateRequire } from 'node:module';
const require = __sluiceCreateRequire(import.meta.url);
import{b as a,c as b,d as c,e as d}from"./chunk-YW3ISHKB.js";import"./chunk-QMWQNIRC.js";import"./chunk-OMBPNNEB.js";import"./chunk-FPGCCMNG.js";export{c as ACTIONS_BOT_LOGIN,a as GITHUB_MAX_COMMENT_LENGTH,b as createGitHubForge,d as createOctokit};
