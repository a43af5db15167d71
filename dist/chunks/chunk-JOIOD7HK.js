function l(n){let e=n.replace(/[\u0000-\u001f\u007f]/g,t=>`\\u${t.charCodeAt(0).toString(16).padStart(4,"0")}`);return e.length>100?`${e.slice(0,100)}\u2026`:e}export{l as a};
