// test/cli-run.ts — running the built `genie` command from tests (rebuilt first if its sources
// are newer than the bundle).

import { execFile, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll } from "vitest";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const cli = join(root, "build", "cli", "genie.mjs");

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** newestSource: modification time of the newest .ts/.json file the CLI bundles. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|json)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ["tools/cli", "tools/host", "tools/bench", "tools/assign", "tools/examples", "base", "kernel"]) walk(join(root, d));
  return newest;
}

/** useCli: before the file's tests, make sure the kernel is built and the CLI bundle is fresh. */
export function useCli(): void {
  beforeAll(() => {
    for (const t of ["debug", "release"])
      if (!existsSync(join(root, "build", `${t}.wasm`))) throw new Error(`build/${t}.wasm is missing: run npm run build`);
    if (!existsSync(cli) || statSync(cli).mtimeMs < newestSource()) {
      const r = spawnSync(process.execPath, [join(root, "tools", "build", "build.mjs")], { cwd: root, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`building the CLI failed:\n${r.stderr}`);
    }
  });
}

/** genie: run the CLI with args; its exit status and output. */
export function genie(...args: string[]): Run {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** genieAsync: as genie, without blocking (for tests run concurrently). */
export function genieAsync(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 }, (err: (Error & { code?: unknown }) | null, stdout: string, stderr: string) =>
      resolve({ status: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr }));
  });
}
