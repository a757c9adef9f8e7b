/* Material for MkDocs 9.8.1 partials/javascripts/base.html, as a file instead of an inline script
 * (see docs/overrides/partials/javascripts/base.html). The only change: the scope (the site's root,
 * under which the theme keeps its state in localStorage) is found from this script's own URL,
 * <root>/javascripts/theme-state.js, instead of being written into each page. */
__md_scope=new URL("..",document.currentScript.src),__md_hash=e=>[...e].reduce(((e,_)=>(e<<5)-e+_.charCodeAt(0)),0),__md_get=(e,_=localStorage,t=__md_scope)=>JSON.parse(_.getItem(t.pathname+"."+e)),__md_set=(e,_,t=localStorage,a=__md_scope)=>{try{t.setItem(a.pathname+"."+e,JSON.stringify(_))}catch(e){}};
