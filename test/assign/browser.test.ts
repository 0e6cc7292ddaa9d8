// The playground's assignment mode without a browser: the tar writer every tar reads, the
// student tree the page assembles (site data + stubs + edits) equal to what `genie assign`
// writes, edits kept per assignment, the kernel compiled from memory equal byte for byte to
// the grader's, and the per-check clock shared by both graders (supervise.ts).

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildKernel } from "../../tools/assign/build";
import { compileKernel, diagnostics, memoryTree } from "../../tools/assign/compile";
import { generate, treeFiles } from "../../tools/assign/generate";
import type { Outcome, WorkerMessage } from "../../tools/assign/score";
import { siteAssignments, siteTree, summary } from "../../tools/assign/site";
import { supervise, type GradingWorker } from "../../tools/assign/supervise";
import { splitPath, tar, treeEntries } from "../../tools/assign/tar";
import { loadEdits, saveEdits, studentTree, textFiles, treeArchive } from "../../tools/playground/assign/tree";
import { root } from "../cli-run";

const tmp = mkdtempSync(join(tmpdir(), "genie-assign-web-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const site = { tree: siteTree(root), assignments: siteAssignments(root) };
const byName = (n: string) => site.assignments.find((a) => a.name === n)!;
const trees = new Map<string, string>();
/** generated: the tree `genie assign name` writes (once per file). */
function generated(name: string): string {
  if (!trees.has(name)) {
    generate(root, join(tmp, `gen-${name}`), [name]);
    trees.set(name, join(tmp, `gen-${name}`));
  }
  return trees.get(name)!;
}

/** A Storage kept in a Map (what localStorage offers the page). */
function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() { return m.size; },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  };
}

describe("the tar writer", () => {
  it("writes an archive GNU tar extracts byte for byte: UTF-8 text, binary bytes, a script's mode, a path longer than 100 bytes, empty files", () => {
    const long = `deep/${"folder-with-a-long-name/".repeat(5)}file-at-the-end.ts`;
    expect(long.length).toBeGreaterThan(100);
    const binary = Uint8Array.from({ length: 1500 }, (_, i) => (i * 37) & 0xff);
    const files = new Map<string, string | Uint8Array>([
      ["README.md", "Genie — größer als 4 KiB? nein\n"], ["bin/run", "#!/bin/sh\necho hi\n"], ["img.png", binary], [long, "x".repeat(512)], ["empty", ""],
    ]);
    const out = join(tmp, "tar");
    mkdirSync(out);
    writeFileSync(join(out, "t.tar"), tar(treeEntries("top", files, new Map([["bin/run", 0o755]])), 1_700_000_000));
    execFileSync("tar", ["xf", "t.tar"], { cwd: out });
    for (const [p, data] of files) expect(readFileSync(join(out, "top", p)), p).toEqual(Buffer.from(typeof data === "string" ? new TextEncoder().encode(data) : data));
    expect(statSync(join(out, "top/bin/run")).mode & 0o777).toBe(0o755);
    expect(statSync(join(out, "top/README.md")).mode & 0o777).toBe(0o644);
    expect(statSync(join(out, "top/README.md")).mtimeMs).toBe(1_700_000_000_000);
    // GNU tar reads the headers as ustar with no complaint about checksums or lengths.
    const listing = execFileSync("tar", ["tvf", "t.tar"], { cwd: out, encoding: "utf8" });
    expect(listing).toContain(long);
  });

  it("refuses a path ustar cannot hold, an absolute path and one with .., naming it", () => {
    expect(splitPath("a/b")).toEqual(["", "a/b"]);
    expect(() => splitPath("x".repeat(101))).toThrow(/too long for a ustar archive/);
    expect(() => tar([{ path: "/etc/passwd", data: "" }], 0)).toThrow(/refusing the path "\/etc\/passwd"/);
    expect(() => tar([{ path: "a/../../b", data: "" }], 0)).toThrow(/refusing the path/);
  });
});

describe("the student tree the page assembles", () => {
  it("is, file for file, the tree genie assign writes (mapfile: its files stubbed, align's solution in the same file kept)", () => {
    const a = byName("mapfile");
    expect(Object.keys(a.files).sort()).toEqual(["kernel/io/swapin.ts", "vm/pswap.ts"]);
    const dir = generated("mapfile");
    const page = studentTree(site.tree, a, {});
    expect([...page.keys()]).toEqual(treeFiles(dir).map((f) => f.split("\\").join("/")));
    for (const [p, data] of page) expect(Buffer.from(typeof data === "string" ? new TextEncoder().encode(data) : data), p).toEqual(readFileSync(join(dir, p)));
    expect(page.get("kernel/io/swapin.ts")).toMatch(/assignment mapfile: your code replaces this stub/);
    expect(page.get("kernel/io/swapin.ts")).toMatch(/@solution align begin/);
    expect([...page.keys()]).toContain("tools/build/build.mjs"); // a student's tree builds
  });

  it("built from a tree genie assign wrote, offers the same stubbed files (found by their stubs)", () => {
    const handedOut = siteAssignments(generated("pagetable"));
    expect(handedOut.find((a) => a.name === "pagetable")!.files).toEqual(byName("pagetable").files);
    expect(handedOut.find((a) => a.name === "tcow")!.files).toEqual(byName("tcow").files);
  });

  it("downloads as a .tar.gz that extracts to that tree with the student's edits over it", async () => {
    const a = byName("pagetable");
    const edited = a.files["vm/pmap.ts"].replace("// assignment pagetable", "// my work\n// assignment pagetable");
    const { name, bytes } = await treeArchive(site.tree, a, { "vm/pmap.ts": edited }, 1_700_000_000);
    expect(name).toBe("genie-pagetable.tar.gz");
    const out = join(tmp, "download");
    mkdirSync(out);
    writeFileSync(join(out, name), bytes);
    execFileSync("tar", ["xzf", name], { cwd: out });
    const dir = generated("pagetable");
    const got = join(out, "genie-pagetable");
    expect(treeFiles(got)).toEqual(treeFiles(dir));
    for (const f of treeFiles(dir)) if (f !== "vm/pmap.ts") expect(readFileSync(join(got, f)), f).toEqual(readFileSync(join(dir, f)));
    expect(readFileSync(join(got, "vm/pmap.ts"), "utf8")).toBe(edited);
    expect(statSync(join(got, ".ci/run")).mode & 0o111).not.toBe(0);
  });

  it("keeps edits per assignment: only changed files of the assignment, none once back to the skeleton", () => {
    const store = memoryStorage();
    const a = byName("tcow"), b = byName("align");
    const [f] = Object.keys(a.files);
    saveEdits(store, a, { [f]: "mine", "not/its/file.ts": "x" });
    expect(loadEdits(store, a)).toEqual({ [f]: "mine" });
    expect(loadEdits(store, b)).toEqual({});
    saveEdits(store, a, { [f]: a.files[f] });
    expect(store.length).toBe(0);
    store.setItem("genie.assign.align", "{not json");
    expect(loadEdits(store, b)).toEqual({});
  });

  it("shows each handout's opening and what to build", () => {
    for (const a of site.assignments) expect(a.summary, a.name).toMatch(/^# Assignment \d[\s\S]*## What to (build|hand in)/);
    expect(summary("# T\nintro\n## Background\nlong\n## What to build\n1. x\n## Hints\nh\n")).toBe("# T\nintro\n## What to build\n1. x\n");
  });
});

describe("compiling from memory", () => {
  it("builds the kernel the grader builds from disk, byte for byte; a compile error names its file and line", async () => {
    const { default: asc } = await import("assemblyscript/asc");
    const a = byName("pagetable");
    const disk = await buildKernel(generated("pagetable"));
    const files = textFiles(studentTree(site.tree, a, {}));
    const mem = await compileKernel(asc, memoryTree(files));
    expect(mem.error).toBe("");
    expect(Buffer.from(mem.wasm!)).toEqual(Buffer.from(disk.wasm!));
    // A typo in the stub's function (reached from the kernel, so compiled).
    const src = a.files["vm/pmap.ts"];
    const line = src.split("\n").findIndex((l) => l.includes('panic("assignment pagetable')) + 1;
    files.set("vm/pmap.ts", src.replace('panic("assignment pagetable', 'panik("assignment pagetable'));
    const bad = await compileKernel(asc, memoryTree(files));
    expect(bad.wasm).toBeNull();
    const d = diagnostics(bad.error).find((x) => x.file);
    expect(d).toMatchObject({ file: "vm/pmap.ts", line });
    expect(d!.text).toMatch(/panik/);
  });
});

describe("the per-check clock", () => {
  /** fakeWorker: a worker that runs the given ids; "hang" never answers, "crash" dies. */
  function fakeWorker(spawned: string[][]) {
    return (ids: string[], done: Outcome[]): GradingWorker => {
      spawned.push([...ids, `(${done.length} done)`]);
      let on: (m: WorkerMessage) => void = () => {};
      let failed: (why: string) => void = () => {};
      let alive = true;
      setTimeout(async () => {
        for (const id of ids) {
          if (!alive) return;
          on({ type: "start", id });
          if (id === "hang") return;
          if (id === "crash") return failed("the check crashed its worker: boom");
          await new Promise((r) => setTimeout(r, 1));
          on({ type: "outcome", outcome: { id, status: "pass", message: "", ms: 1 } });
        }
        on({ type: "end" });
      });
      return { onMessage: (f) => (on = f), onFailure: (f) => (failed = f), terminate: () => void (alive = false) };
    };
  }

  it("a check that hangs times out alone and one that crashes its worker fails alone; fresh workers go on with the rest", async () => {
    const spawned: string[][] = [];
    const heard: string[] = [];
    const out = await supervise(fakeWorker(spawned), ["a", "hang", "b", "crash", "c"], 100, (o) => heard.push(o.id));
    expect(out.map((o) => [o.id, o.status])).toEqual([["a", "pass"], ["hang", "timeout"], ["b", "pass"], ["crash", "fail"], ["c", "pass"]]);
    expect(out[1].message).toMatch(/timeout: no result after 0.1 s/);
    expect(out[3].message).toBe("the check crashed its worker: boom");
    expect(spawned).toEqual([["a", "hang", "b", "crash", "c", "(0 done)"], ["b", "crash", "c", "(2 done)"], ["c", "(4 done)"]]);
    expect(heard).toEqual(["a", "hang", "b", "crash", "c"]);
  });
});
