import{k as a,l as o,m as t,y as r}from"../chunks/chunk-D2Z4WPOW.js";import"../chunks/chunk-M3IBPF6P.js";await r(o,a,{duckDbStore:t});
