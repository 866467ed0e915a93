// ---------------------------------------------------------------------------------------------------
// mathjax-prerender.js: typeset the maths of the built pages once, at build time, with MathJax 3 (npm).
//
//   node tools/site_js/mathjax-prerender.js <site folder> <stylesheet, site-relative> <page.html>...
//
// Every `<span class="math ...">\(...\)</span>` and `<div class="math ...">\[...\]</div>` that Sphinx
// wrote is replaced, in place, by MathJax's CommonHTML output with its assistive MathML (what a screen reader
// reads); one stylesheet for the whole site, with the rules of every glyph used and MathJax's fonts, is
// written to <stylesheet>. Pages then need no MathJax script (760 kB) at all. A TeX error stops the build
// with the page and the expression.
// ---------------------------------------------------------------------------------------------------
"use strict";
const fs = require("fs");
const path = require("path");

const INLINE = /(<span class="math notranslate nohighlight">)\\\(([\s\S]*?)\\\)(<\/span>)/g;
const DISPLAY = /(<div class="math notranslate nohighlight"[^>]*>\s*(?:<span class="eqno">[\s\S]*?<\/span>)?)\\\[([\s\S]*?)\\\](<\/div>)/g;
const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#x27;": "'" };

function unescapeHtml(text) {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (e) => ENTITIES[e]);
}

async function main() {
  const [site, stylesheet, ...pages] = process.argv.slice(2);
  if (!site || !stylesheet) {
    console.error("usage: mathjax-prerender.js <site folder> <stylesheet, site-relative> <page.html>...");
    process.exit(2);
  }
  const cssFile = path.join(site, stylesheet);
  const fontDir = path.join(site, "_static", "offline", "mathjax", "output", "chtml", "fonts", "woff-v2");
  const MathJax = await require("mathjax").init({
    loader: { load: ["input/tex", "output/chtml", "a11y/assistive-mml"] },
    chtml: { fontURL: path.relative(path.dirname(cssFile), fontDir).split(path.sep).join("/") },
  });
  const adaptor = MathJax.startup.adaptor;
  let total = 0;
  for (const page of pages) {
    const file = path.join(site, page);
    const html = fs.readFileSync(file, "utf8");
    const typeset = (display) => (match, open, tex, close) => {
      const node = MathJax.tex2chtml(unescapeHtml(tex), { display });
      const out = adaptor.outerHTML(node);
      if (out.includes("data-mjx-error") || out.includes("<mjx-merror")) {
        throw new Error(`${page}: MathJax cannot typeset ${tex.trim().slice(0, 200)}`);
      }
      total += 1;
      return open + out + close;
    };
    const done = html.replace(DISPLAY, typeset(true)).replace(INLINE, typeset(false));
    if (done !== html) fs.writeFileSync(file, done);
  }
  fs.mkdirSync(path.dirname(cssFile), { recursive: true });
  fs.writeFileSync(cssFile, adaptor.textContent(MathJax.chtmlStylesheet()));
  console.log(`mathjax-prerender: ${total} expressions in ${pages.length} pages, stylesheet ${stylesheet}`);
}

main().catch((err) => {
  console.error(String(err && err.message ? err.message : err));
  process.exit(1);
});
