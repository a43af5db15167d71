import{I as t,J as r,L as i}from"../chunks/chunk-3KQN6MKS.js";import"../chunks/chunk-FPGCCMNG.js";await t(r,i);
