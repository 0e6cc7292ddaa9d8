// test/layers.test.ts — the kernel's layers read top-down (docs/architecture.md §14).
//
//   floor 6  tools/                       host code: the hardware models, the CLI, the benchmarks
//   floor 5  kernel/                      processes, system calls, the data-passing semantics
//   floor 4  net/   fs/                   protocols and sockets; the file system (siblings)
//   floor 3  drivers/                     the NIC and block drivers, packet and output buffers
//   floor 2  vm/                          frames, page tables, TLBs, address spaces, faults
//   floor 1  base/                        shared constants, counters, trace, panic, host imports
//
// Every import (AssemblyScript and host TypeScript) goes to the same floor's own folder or
// down; a lower layer calls a higher one only through a hook registered at boot, which is not
// an import. Files in different folders never import each other in a circle.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const FLOORS: Record<string, number> = { base: 1, vm: 2, drivers: 3, net: 4, fs: 4, kernel: 5, tools: 6 };

/** sources: every .ts / .mjs file of the layered folders (paths from the root). */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(ROOT, dir))) {
      const path = join(dir, name);
      if (statSync(join(ROOT, path)).isDirectory()) walk(path);
      else if (/\.(ts|mjs)$/.test(name)) out.push(path);
    }
  };
  for (const f of Object.keys(FLOORS)) walk(f);
  return out;
}

/** imports: the files of the tree that text (of file) imports, resolved ("vm/frame.ts"). */
function imports(file: string, text: string, exists: (p: string) => boolean): string[] {
  const out: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s[^;]*?\sfrom\s*["'](\.{1,2}\/[^"']+)["']|(?:^|[\s;])import\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/gm;
  for (const m of text.matchAll(re)) {
    const spec = (m[1] ?? m[2]).replace(/\.(js|mjs|ts)$/, "");
    const base = normalize(join(dirname(file), spec));
    const hit = [`${base}.ts`, `${base}.mjs`, join(base, "index.ts")].find(exists);
    if (hit) out.push(hit);
  }
  return out;
}

const top = (f: string): string => f.split("/")[0];

/** upward: "file imports target" for every import to a higher floor or a sibling folder. */
function upward(graph: Map<string, string[]>): string[] {
  const bad: string[] = [];
  for (const [file, targets] of graph) {
    for (const t of targets) {
      const from = FLOORS[top(file)], to = FLOORS[top(t)];
      if (to === undefined) continue;
      if (top(file) === "tools" && to < from && t !== "base/abi.ts") bad.push(`${file} imports ${t}: host code shares only base/abi.ts with the kernel`);
      else if (to > from) bad.push(`${file} imports ${t}: floor ${from} (${top(file)}/) must not import floor ${to} (${top(t)}/); call up through a hook registered at boot`);
      else if (to === from && top(t) !== top(file)) bad.push(`${file} imports ${t}: ${top(file)}/ and ${top(t)}/ are siblings on floor ${from}`);
    }
  }
  return bad;
}

/** circles: the strongly connected components of graph whose files lie in more than one folder. */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (new Set(scc.map(dirname)).size > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

function houseGraph(): Map<string, string[]> {
  const files = sources();
  const known = new Set(files);
  return new Map(files.map((f) => [f, imports(f, readFileSync(join(ROOT, f), "utf8"), (p) => known.has(p))]));
}

describe("layers", () => {
  const graph = houseGraph();

  it("reads every source of the layered folders, and their imports", () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get("kernel/index.ts")).toContain("base/abi.ts");
    expect(graph.get("tools/host/index.ts")).toContain("base/abi.ts");
  });

  it("no file imports a higher layer or a sibling folder (hooks are not imports)", () => {
    const bad = upward(graph);
    expect(bad, bad.join("\n")).toEqual([]);
  });

  it("no files in different folders import each other in a circle", () => {
    const bad = circles(graph);
    expect(bad, bad.map((c) => `circle: ${c.join(" -> ")}`).join("\n")).toEqual([]);
  });

  it("the checker itself finds an upward import, a sibling import and a circle across folders", () => {
    const known = new Set(["vm/a.ts", "kernel/b.ts", "net/c.ts", "fs/d.ts", "kernel/io/e.ts"]);
    const g = new Map([
      ["vm/a.ts", imports("vm/a.ts", 'import { x } from "../kernel/b";', (p) => known.has(p))],
      ["net/c.ts", imports("net/c.ts", 'import type { Y } from "../fs/d";\nimport "../vm/a";', (p) => known.has(p))],
      ["kernel/b.ts", imports("kernel/b.ts", 'export { z } from "./io/e";', (p) => known.has(p))],
      ["kernel/io/e.ts", imports("kernel/io/e.ts", 'import { b } from "../b";', (p) => known.has(p))],
    ]);
    expect(upward(g).map((s) => s.split(":")[0])).toEqual(["vm/a.ts imports kernel/b.ts", "net/c.ts imports fs/d.ts"]);
    expect(circles(g)).toEqual([["kernel/b.ts", "kernel/io/e.ts"]]);
  });
});
