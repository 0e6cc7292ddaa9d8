// tools/host/node.ts — loading the built kernel module in Node.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { ConfigError } from "./errors";
import { compileKernel } from "./reset";

const cache = new Map<string, Promise<WebAssembly.Module>>();

/** projectRoot: the folder holding the project's package.json, found upwards from this module
 *  (its source in tools/host/, or a bundle in build/...), so that the kernel is found whatever
 *  the current folder is. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "asconfig.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** kernelPath: the built kernel for a target ("release" by default, or "debug"). */
export function kernelPath(target: "release" | "debug" = "release"): string {
  return join(projectRoot(), "build", `${target}.wasm`);
}

/** loadKernel: compile (once per process) the built kernel module of target, its globals
 *  exported so that its instances can be reset and reused (tools/host/reset.ts). */
export function loadKernel(target: "release" | "debug" = "release"): Promise<WebAssembly.Module> {
  let p = cache.get(target);
  if (!p) {
    const path = kernelPath(target);
    p = readFile(path).then(
      (bytes) => compileKernel(bytes),
      () => { throw new ConfigError(`kernel not built: ${path} is missing (run npm run build)`); },
    );
    cache.set(target, p);
  }
  return p;
}
