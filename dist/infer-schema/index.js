import{h as o,i as r,j as m,w as i}from"../chunks/chunk-4A4PKTCW.js";import"../chunks/chunk-M3IBPF6P.js";await i(r,o,{duckDbStore:m});
