// Rebuilds the editing desk's vendored files (this folder, hooks/kb/desk/static/vendor/) from the packages pinned
// in package-lock.json:  npm ci && npm run build  (then delete node_modules/: the desk would serve it).
//
//   json-editor/      the package's own minified dist file, unchanged, and its licences
//   toastui-editor/   one file for the browser: @toast-ui/editor's ES module build with its dependencies
//                     (ProseMirror, DOMPurify) and its zh-CN texts, bundled by esbuild for Chromium/Edge 109,
//                     since the npm package's browser build expects ProseMirror as separate globals; its
//                     stylesheet unchanged; the licences of everything in the bundle
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = (name) => join(here, "node_modules", name);
const version = (name) => JSON.parse(readFileSync(join(pkg(name), "package.json"), "utf8")).version;

// The npm package of @toast-ui/editor has no LICENSE file (its package.json and dist banners say MIT): this is the
// LICENSE file of its source repository, nhn/tui.editor, at the release.
const TOAST_LICENSE = `MIT License

Copyright (c) 2020 NHN Corp.

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.`;

function licence(name) {
  if (name === "@toast-ui/editor") return TOAST_LICENSE;
  for (const file of ["LICENSE", "LICENSE.md", "LICENSE.txt", "license", "LICENCE"]) {
    if (existsSync(join(pkg(name), file))) return readFileSync(join(pkg(name), file), "utf8").trim();
  }
  throw new Error(`no licence file in ${name}`);
}

// json-editor
const je = join(here, "json-editor");
mkdirSync(je, { recursive: true });
copyFileSync(join(pkg("@json-editor/json-editor"), "dist", "jsoneditor.js"), join(je, "jsoneditor.min.js"));
copyFileSync(join(pkg("@json-editor/json-editor"), "dist", "jsoneditor.js.LICENSE.txt"), join(je, "jsoneditor.min.js.LICENSE.txt"));
copyFileSync(join(pkg("@json-editor/json-editor"), "LICENSE"), join(je, "LICENSE"));

// Toast UI Editor and what it bundles
const tui = join(here, "toastui-editor");
mkdirSync(tui, { recursive: true });
const entry = "import Editor from '@toast-ui/editor';\nimport '@toast-ui/editor/dist/i18n/zh-cn';\n"
  + "window.toastui = window.toastui || {};\nwindow.toastui.Editor = Editor;\n";
const options = {
  stdin: { contents: entry, resolveDir: here, sourcefile: "toastui-editor-all.js" },
  bundle: true,
  format: "iife",
  minify: true,
  target: ["chrome109", "edge109"],
  legalComments: "eof",
  outfile: join(tui, "toastui-editor-all.min.js"),
  logLevel: "warning",
};
// the packages that end up in the bundle (@toast-ui/editor first)
const probe = await build({ ...options, write: false, metafile: true });
const bundled = [...new Set(Object.keys(probe.metafile.inputs).filter((i) => i.startsWith("node_modules/"))
  .map((i) => i.split("/").slice(1, i.startsWith("node_modules/@") ? 3 : 2).join("/")))]
  .sort((a, b) => (a === "@toast-ui/editor" ? -1 : b === "@toast-ui/editor" ? 1 : a.localeCompare(b)));
const banner = "/*! @toast-ui/editor " + version("@toast-ui/editor") + " with its zh-CN texts, bundled with "
  + bundled.slice(1).map((n) => n + " " + version(n)).join(", ")
  + " (and, inside @toast-ui/editor's own files, DOMPurify 2.3.3 and tslib). Licences: LICENSES.txt beside this file. */";
await build({ ...options, banner: { js: banner } });
copyFileSync(join(pkg("@toast-ui/editor"), "dist", "toastui-editor.css"), join(tui, "toastui-editor.css"));
writeFileSync(join(tui, "LICENSE"), TOAST_LICENSE + "\n");
const notices = bundled.map((n) => `${n} ${version(n)}\n${"=".repeat(60)}\n${licence(n)}\n`);
notices.push(`DOMPurify 2.3.3 (inlined in @toast-ui/editor's dist files; licence text from the dompurify ${version("dompurify")} package, the same)\n`
  + `${"=".repeat(60)}\n${licence("dompurify")}\n`);
notices.push("tslib helpers (inlined in @toast-ui/editor's dist files): 0BSD, their notice is kept at the end of the bundle.\n");
writeFileSync(join(tui, "LICENSES.txt"), notices.join("\n"));
console.log("vendored:", ["@json-editor/json-editor", ...bundled, "esbuild"].map((n) => n + "@" + version(n)).join(" "));
