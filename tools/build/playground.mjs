// tools/build/playground.mjs — bundle the browser playground (tools/playground) into
// build/playground/: index.html, main.js (the page), worker.js (the kernel's Web Worker),
// style.css and the release kernel beside them as kernel.wasm. Every URL in it is relative, so
// any static host can serve the folder. The bundle must not need Node: a node: import (node:fs,
// ...) that reaches it fails the build; tools/host/node.ts is replaced by tools/host/browser.ts.
// The assignment mode (tools/playground/assign): assign.html, assign.js (the page),
// assign-grader.js (the checks' worker), assign-compiler.js (the AssemblyScript compiler's
// worker) with binaryen.js beside it (copied from node_modules: npm only, no CDN), and
// assign/index.json, assign/tree.json (the assignments and the student tree: tools/assign/site.ts).

import * as esbuild from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";

const out = "build/playground";
const browserLoader = fileURLToPath(new URL("../host/browser.ts", import.meta.url));
const builtins = new Set(builtinModules);

/** browserOnly: node: imports (and bare Node built-ins) are errors; the host's Node kernel loader becomes the browser's. */
export const browserOnly = {
  name: "browser-only",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.path.startsWith("node:") || builtins.has(args.path))
        return { errors: [{ text: `Node built-in "${args.path}" imported by ${args.importer}: the playground runs in a browser` }] };
      if (/(^|\/)host\/node(\.ts)?$/.test(args.path)) return { path: browserLoader };
      return undefined;
    });
  },
};

/** ascInBrowser: the compiler's bundle loads binaryen from ./binaryen.js; asc imports Node
 *  built-ins only when it runs in Node, so they stay unresolved there (and only there). */
const ascInBrowser = {
  name: "asc-in-browser",
  setup(build) {
    build.onResolve({ filter: /^binaryen$/ }, () => ({ path: "./binaryen.js", external: true }));
    build.onResolve({ filter: /.*/ }, (args) => {
      if ((args.path.startsWith("node:") || builtins.has(args.path)) && args.importer.includes("/node_modules/assemblyscript/"))
        return { path: args.path, external: true };
      return undefined;
    });
  },
};

/** writeAssignments: assign/index.json and assign/tree.json (tools/assign/site.ts, bundled for Node). */
async function writeAssignments() {
  const r = await esbuild.build({ entryPoints: ["tools/assign/site.ts"], bundle: true, platform: "node", format: "esm", write: false, logLevel: "warning" });
  const { writeSite } = await import(`data:text/javascript;base64,${Buffer.from(r.outputFiles[0].contents).toString("base64")}`);
  writeSite(resolve("."), `${out}/assign`);
}

/** buildPlayground: bundle the playground into build/playground (the kernel must be built). */
export async function buildPlayground() {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await esbuild.build({
    entryPoints: { main: "tools/playground/main.tsx", worker: "tools/playground/worker.ts", assign: "tools/playground/assign/page.tsx", "assign-grader": "tools/playground/assign/grader.ts" },
    outdir: out,
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    sourcemap: true,
    minify: true,
    plugins: [browserOnly],
    logLevel: "warning",
  });
  await esbuild.build({
    entryPoints: { "assign-compiler": "tools/playground/assign/compiler.ts" },
    outdir: out,
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    plugins: [ascInBrowser, browserOnly],
    logLevel: "warning",
  });
  await copyFile("node_modules/binaryen/index.js", `${out}/binaryen.js`);
  await writeAssignments();
  await copyFile("tools/playground/index.html", `${out}/index.html`);
  await copyFile("tools/playground/assign/assign.html", `${out}/assign.html`);
  await copyFile("tools/playground/assign/assign.css", `${out}/assign.css`);
  await copyFile("tools/playground/style.css", `${out}/style.css`);
  await copyFile("build/release.wasm", `${out}/kernel.wasm`);
}
