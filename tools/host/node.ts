// tools/host/node.ts — loading the built kernel module in Node.

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { ConfigError } from "./errors";

const cache = new Map<string, Promise<WebAssembly.Module>>();

/** projectRoot: the folder holding package.json (works from sources and from the bundled CLI). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (dir.endsWith("tools/host") || dir.endsWith("build/cli")) return join(dir, "../..");
    dir = dirname(dir);
  }
  return process.cwd();
}

/** kernelPath: the built kernel for a target ("release" by default, or "debug"). */
export function kernelPath(target: "release" | "debug" = "release"): string {
  return join(projectRoot(), "build", `${target}.wasm`);
}

/** loadKernel: compile (once per process) the built kernel module of target. */
export function loadKernel(target: "release" | "debug" = "release"): Promise<WebAssembly.Module> {
  let p = cache.get(target);
  if (!p) {
    const path = kernelPath(target);
    p = readFile(path).then(
      (bytes) => WebAssembly.compile(bytes),
      () => { throw new ConfigError(`kernel not built: ${path} is missing (run npm run build)`); },
    );
    cache.set(target, p);
  }
  return p;
}
