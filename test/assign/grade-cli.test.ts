// genie assign and genie grade as an instructor runs them: a class of student trees graded by
// one command into a CSV, the grader's own checks used whatever a tree's copy says, extra checks
// kept outside the repository, and a check that hangs costing that check only.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generate } from "../../tools/assign/generate";
import { genie, genieAsync, useCli, root } from "../cli-run";

useCli();
const tmp = mkdtempSync(join(tmpdir(), "genie-grade-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** tamper: what a student might do to pass without the work: make the tree's copy of the
 *  checks pass, weigh them at nothing, and edit the kernel tests. */
function tamper(tree: string): void {
  writeFileSync(join(tree, "tools/assign/checks/tcow.ts"), 'export const checks = [{ id: "send-copies-nothing", title: "x", async run() {} }];\n');
  writeFileSync(join(tree, "tools/assign/rubrics/tcow.json"), '{ "assignment": "tcow", "checks": { "send-copies-nothing": 100 } }\n');
  writeFileSync(join(tree, "test/kernel/integrity-strong.test.ts"), 'import { it } from "vitest"; it("passes", () => {});\n');
}

describe("genie grade", () => {
  it("grades a class in one command: the solved tree full marks, a skeleton and a tampered skeleton zero on the stubbed work; extra checks run, a hang costs one check", async () => {
    const cls = join(tmp, "class");
    generate(root, join(cls, "alice"), []); // every assignment solved
    generate(root, join(cls, "bob"), ["tcow"]);
    generate(root, join(cls, "carol"), ["tcow"]);
    tamper(join(cls, "carol"));
    writeFileSync(join(cls, "carol", "HANG"), "");
    generate(root, join(cls, "dave"), ["tcow"]);
    writeFileSync(join(cls, "dave", "kernel/io/tcow.ts"), "export function refOutput(: i32 {\n"); // does not compile
    mkdirSync(join(cls, "notes")); // not a tree: ignored
    // Extra checks outside the repository: one that passes, one that hangs in carol's tree.
    const hidden = join(tmp, "hidden");
    mkdirSync(hidden);
    writeFileSync(join(hidden, "tcow.ts"), `
      import { equal, type Check } from "genie/assign";
      import { PAGE_SIZE } from "genie/host";
      export const checks: Check[] = [
        { id: "hidden-hang", title: "hangs where a HANG file is", async run(t) { while (t.readFile("HANG") !== null) {} } },
        { id: "hidden-page", title: "a page is 4096 bytes", async run() { equal(PAGE_SIZE, 4096, "PAGE_SIZE"); } },
      ];`);
    const weights = { "send-copies-nothing": 20, "send-is-snapshot": 20, "shared-mapping-protected": 20, "permission-returns-lazily": 10, "exit-after-send": 10, "hidden-hang": 10, "hidden-page": 10 };
    writeFileSync(join(hidden, "tcow.json"), JSON.stringify({ assignment: "tcow", checks: weights }));
    const csv = join(tmp, "scores.csv");
    const r = await genieAsync("grade", "tcow", "--class", cls, "--csv", csv, "--checks", hidden, "--timeout", "3", "--json");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const reports = JSON.parse(r.stdout);
    expect(reports.map((x: { tree: string }) => x.tree)).toEqual(["alice", "bob", "carol", "dave"].map((n) => join(cls, n)));
    expect(reports[1].checks.map((c: { id: string; status: string }) => `${c.id} ${c.status}`)).toEqual([
      "send-copies-nothing fail", "send-is-snapshot skip", "shared-mapping-protected skip", "permission-returns-lazily skip",
      "exit-after-send skip", "hidden-hang pass", "hidden-page pass"]);
    expect(reports[1].checks[0].message).toMatch(/assignment tcow: implement refPage \(kernel\/io\/tcow.ts\)/);
    expect(reports[1].checks[1].message).toBe("skipped: depends on send-copies-nothing");
    expect(reports[2].checks[5]).toMatchObject({ id: "hidden-hang", status: "timeout", points: 0 });
    const rows = readFileSync(csv, "utf8").trim().split("\n").map((l) => l.split(","));
    expect(rows[0]).toEqual(["student", "score", "max", "percent", ...Object.keys(weights), "build_error"]);
    expect(rows.slice(1).map((x) => x.slice(0, 4))).toEqual([
      ["alice", "100", "100", "100"],
      ["bob", "20", "100", "20"], // the two extra checks
      ["carol", "10", "100", "10"], // hidden-hang timed out; hidden-page still ran
      ["dave", "20", "100", "20"], // no kernel: every check that runs one fails (the two extra ones need none)
    ]);
    expect(rows[4].at(-1)).toMatch(/ERROR|error/);
    expect(reports[3].buildError).toMatch(/kernel\/io\/tcow.ts/);
    expect(rows[3][4 + 5]).toBe("0"); // carol's hidden-hang
  }, 120_000);

  it("hands out a skeleton, then prints its per-check table and total; exit 1 unless every check passed", () => {
    const tree = join(tmp, "patch");
    const a = genie("assign", "patch", "--out", tree);
    expect(a.status).toBe(0);
    expect(a.stdout).toMatch(/assignment patch: 2 regions replaced by stubs/);
    const t = genie("grade", "patch", "--tree", tree);
    expect(t.status).toBe(1);
    expect(t.stdout).toMatch(/fragments-patched\s+FAIL\s+0\/30 .*\n.*KernelPanic: .*assignment patch: implement patchSave \(drivers\/headerpatch.ts\)/);
    expect(t.stdout).toMatch(/cost-per-packet\s+skipped\s+0\/25 .*\n\s+skipped: depends on ipv4-datagram/);
    expect(t.stdout).toMatch(/total: 0\/100 \(0%\)/);
  }, 120_000);

  it("refuses bad command lines with a clear error", () => {
    expect(genie("grade", "nosuch").stderr).toMatch(/no assignment "nosuch"/);
    expect(genie("grade", "tcow", "--csv", "x.csv").stderr).toMatch(/--csv needs --class/);
    expect(genie("assign", "tcow").stderr).toMatch(/--out DIR is required/);
    expect(genie("grade", "tcow", "--tree", tmp).stderr).toMatch(/is not a kernel tree/);
  });
});
