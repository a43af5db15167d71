function e(r,n,t=`${n}s`){return`${r} ${r===1?n:t}`}export{e as a};
