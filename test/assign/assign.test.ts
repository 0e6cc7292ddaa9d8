// The course assignments: the full tree scores 100 % on every one; regions, stubs and rubrics
// are well formed; the checks and the runner are fit for a browser (no Node built-ins).

import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { generate, solutionRegions } from "../../tools/assign/generate";
import { regions, stubbed } from "../../tools/assign/markers";
import { ASSIGNMENTS } from "../../tools/assign/registry";
import { parseRubric } from "../../tools/assign/rubric";
import { runChecks, score } from "../../tools/assign/run";
import { treeReader } from "../../tools/assign/worker";
import { loadKernel } from "../../tools/host/node";
import { root } from "../cli-run";

const tmp = mkdtempSync(join(tmpdir(), "genie-assign-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the full tree", () => {
  for (const a of ASSIGNMENTS) it(`scores 100 % on ${a.name}`, async () => {
    const name = a.name;
    const kernel = await loadKernel("debug");
    const out = await runChecks(a.checks, { kernel, readFile: treeReader(root) });
    const r = score(name, root, a.checks, out, a.rubric, { buildMs: 0, checkMs: 0 });
    expect(out.filter((o) => o.status !== "pass").map((o) => `${o.id}: ${o.message}`)).toEqual([]);
    expect(r.score).toBe(r.max);
    expect(r.max).toBe(100);
  });
});

describe("solution regions", () => {
  const all = solutionRegions(root);

  it("every assignment has at least one region, and every region names an assignment", () => {
    const names = new Set([...all.values()].flat().map((r) => r.name));
    expect([...names].sort()).toEqual(ASSIGNMENTS.map((a) => a.name).sort());
  });

  it("a stubbed region keeps the stub's lines uncommented and drops the solution", () => {
    const src = ["a();", "  // @solution tcow begin", "  solve();", "  // @solution tcow stub", '  // panic("assignment tcow: implement x (f.ts)");', "  // @solution tcow end", "b();"].join("\n");
    const out = stubbed(src, "f.ts", new Set(["tcow"]));
    expect(out).toBe(["a();", "  // assignment tcow: your code replaces this stub (docs/assignments/tcow.md)", '  panic("assignment tcow: implement x (f.ts)");', "b();"].join("\n"));
    expect(stubbed(src, "f.ts", new Set(["align"]))).toBe(src);
  });

  it("a Markdown region's stub is an HTML comment in the repository and plain text in the student's tree", () => {
    const src = ["# R", "<!-- @solution report begin -->", "answer", "<!-- @solution report stub", "TODO", "@solution report end -->", "end"].join("\n");
    expect(stubbed(src, "r.md", new Set(["report"]))).toBe(["# R", "<!-- assignment report: your text replaces this template (docs/assignments/report.md) -->", "TODO", "end"].join("\n"));
  });

  it("malformed regions are refused with the file and line", () => {
    const bad = (lines: string[]) => () => regions(lines.join("\n"), "x.ts", (n) => n !== "nope");
    expect(bad(["// @solution tcow begin", "// @solution tcow end"])).toThrow(/x.ts:2: region tcow ends without a stub/);
    expect(bad(["// @solution tcow begin", "// @solution tcow stub"])).toThrow(/x.ts:1: region tcow never ends/);
    expect(bad(["// @solution tcow begin", "// @solution align begin"])).toThrow(/x.ts:2: region align begins inside region tcow/);
    expect(bad(["// @solution tcow end"])).toThrow(/x.ts:1: .* outside a region tcow/);
    expect(bad(["// @solution nope begin"])).toThrow(/x.ts:1: .*no assignment is called nope/);
  });
});

describe("genie assign's generator", () => {
  it("writes the repository minus .git, node_modules and build, with only the named assignment's regions stubbed", () => {
    const out = join(tmp, "tcow");
    const g = generate(root, out, ["tcow"]);
    expect(g.stubbed.length).toBeGreaterThanOrEqual(2);
    for (const gone of [".git", "node_modules", "build"]) expect(existsSync(join(out, gone)), gone).toBe(false);
    for (const kept of ["package.json", "kernel/index.ts", "test/kernel/machines.ts", "docs/assignments/tcow.md"]) expect(existsSync(join(out, kept)), kept).toBe(true);
    const student = solutionRegions(out);
    const names = [...student.values()].flat().map((r) => r.name);
    expect(names).not.toContain("tcow");
    expect(names).toContain("pagetable");
    expect(readFileSync(join(out, "kernel/io/tcow.ts"), "utf8")).toMatch(/panic\("assignment tcow: implement refPage \(kernel\/io\/tcow.ts\)"\)/);
  });

  it("refuses a folder that is not empty, and an assignment with no regions, losing nothing", () => {
    const out = join(tmp, "full");
    generate(root, out, ["align"]);
    writeFileSync(join(out, "mine.txt"), "student work");
    expect(() => generate(root, out, ["align"])).toThrow(/exists and is not empty/);
    expect(readFileSync(join(out, "mine.txt"), "utf8")).toBe("student work");
    expect(() => generate(root, join(tmp, "x"), ["nosuch"])).toThrow(/no assignment "nosuch"/);
  });
});

describe("rubrics and checks", () => {
  it("every rubric weighs exactly its assignment's checks, 100 automated points each", () => {
    for (const a of ASSIGNMENTS) {
      const text = readFileSync(join(root, "tools/assign/rubrics", `${a.name}.json`), "utf8");
      const r = parseRubric(text, a.name, a.checks);
      expect(Object.values(r.checks).reduce((x, y) => x + y, 0), a.name).toBe(100);
    }
  });

  it("a rubric that misses a check, or weighs one that does not exist, is refused naming both", () => {
    const a = ASSIGNMENTS.find((x) => x.name === "tcow")!;
    const r = { assignment: "tcow", checks: { ...a.rubric.checks, "no-such-check": 5 } as Record<string, number> };
    delete r.checks["send-is-snapshot"];
    expect(() => parseRubric(JSON.stringify(r), "tcow", a.checks)).toThrow(/check "send-is-snapshot" has no points.*"no-such-check" is not a check of tcow/);
  });

  it("the checks, the runner and the rubrics bundle for a browser worker: no Node built-in is imported", async () => {
    const b = await esbuild.build({
      stdin: { contents: 'export * from "./tools/assign/registry"; export * from "./tools/assign/run";', resolveDir: root, loader: "ts" },
      bundle: true, write: false, format: "esm", platform: "browser", logLevel: "silent", metafile: true,
    });
    const inputs = Object.keys(b.metafile!.inputs);
    expect(inputs.filter((f) => f.startsWith("node:") || /(^|\/)node\.ts$|-node\.ts$/.test(f))).toEqual([]);
    expect(inputs).toContain("tools/assign/checks/tcow.ts");
  });
});
