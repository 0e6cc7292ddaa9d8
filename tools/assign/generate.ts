// tools/assign/generate.ts — write a student's tree: the repository minus .git, node_modules
// and build output, with the solution regions of the chosen assignments replaced by their stubs.

import { ConfigError } from "../host/errors";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ASSIGNMENTS } from "./registry";
import { regions, stubbed, type Region } from "./markers";

/** Never part of a student's tree: anywhere, and at its top (build output; tools/build stays). */
const EXCLUDE = new Set([".git", "node_modules"]);
const EXCLUDE_TOP = new Set(["build", "dist", "var", "coverage"]);
/** Where solution regions may be: the kernel's sources (AssemblyScript) and the docs. */
export const REGION_DIRS = ["base/", "kernel/", "vm/", "drivers/", "net/", "fs/", "docs/"];
const TEXT = /\.(ts|md)$/;

const known = (name: string) => ASSIGNMENTS.some((a) => a.name === name);

/** treeFiles: every file of the tree at root (relative paths), build output excluded. */
export function treeFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (EXCLUDE.has(e.name) || (dir === root && EXCLUDE_TOP.has(e.name))) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

/** solutionRegions: every solution region of the tree at root, by file. */
export function solutionRegions(root: string): Map<string, Region[]> {
  const out = new Map<string, Region[]>();
  for (const f of treeFiles(root)) {
    if (!TEXT.test(f) || !REGION_DIRS.some((d) => f.startsWith(d))) continue;
    const text = readFileSync(join(root, f), "utf8");
    if (!text.includes("@solution")) continue;
    const rs = regions(text, f, known);
    if (rs.length) out.set(f, rs);
  }
  return out;
}

export interface Generated {
  files: number;
  /** The regions replaced by stubs, as "file:line name". */
  stubbed: string[];
}

/**
 * generate: write the student tree for the assignments in names (their regions stubbed,
 * everything else whole) from the repository at root into out, which must not exist or be empty.
 */
export function generate(root: string, out: string, names: string[]): Generated {
  for (const n of names) if (!known(n)) throw new ConfigError(`no assignment "${n}" (assignments: ${ASSIGNMENTS.map((a) => a.name).join(", ")})`);
  try {
    if (readdirSync(out).length > 0) throw new ConfigError(`${out} exists and is not empty: give a new folder`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const set = new Set(names);
  const all = solutionRegions(root);
  const missing = names.filter((n) => ![...all.values()].some((rs) => rs.some((r) => r.name === n)));
  if (missing.length) throw new ConfigError(`no solution region is marked for ${missing.join(", ")} in ${root}`);
  const result: Generated = { files: 0, stubbed: [] };
  for (const f of treeFiles(root)) {
    const src = join(root, f), dst = join(out, f);
    mkdirSync(join(dst, ".."), { recursive: true });
    const rs = all.get(f)?.filter((r) => set.has(r.name));
    if (rs?.length) {
      writeFileSync(dst, stubbed(readFileSync(src, "utf8"), f, set, known));
      for (const r of rs) result.stubbed.push(`${f}:${r.begin + 1} ${r.name}`);
    } else copyFileSync(src, dst);
    result.files++;
  }
  return result;
}

/** isTree: does dir look like a kernel tree (has the kernel's entry point)? */
export function isTree(dir: string): boolean {
  try {
    return statSync(join(dir, "kernel", "index.ts")).isFile();
  } catch {
    return false;
  }
}
