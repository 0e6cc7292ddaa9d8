// tools/build/playground.mjs — bundle the browser playground (tools/playground) into
// build/playground/: index.html, main.js (the page), worker.js (the kernel's Web Worker),
// style.css and the release kernel beside them as kernel.wasm. Every URL in it is relative, so
// any static host can serve the folder. The bundle must not need Node: a node: import (node:fs,
// ...) that reaches it fails the build; tools/host/node.ts is replaced by tools/host/browser.ts.

import * as esbuild from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
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

/** buildPlayground: bundle the playground into build/playground (the kernel must be built). */
export async function buildPlayground() {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await esbuild.build({
    entryPoints: { main: "tools/playground/main.tsx", worker: "tools/playground/worker.ts" },
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
  await copyFile("tools/playground/index.html", `${out}/index.html`);
  await copyFile("tools/playground/style.css", `${out}/style.css`);
  await copyFile("build/release.wasm", `${out}/kernel.wasm`);
}
