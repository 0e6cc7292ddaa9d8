// test/assign/skeletons.ts — the student trees of assignments, generated and built once per
// test file (asc, debug target), and every assignment's checks run on each in this thread:
// a stub panics, it never hangs, so no worker is needed here (the CLI's workers are tested in
// grade-cli.test.ts).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildKernel } from "../../tools/assign/build";
import { generate } from "../../tools/assign/generate";
import { ASSIGNMENTS } from "../../tools/assign/registry";
import { runChecks } from "../../tools/assign/run";
import { treeReader } from "../../tools/assign/worker";
import { root } from "../cli-run";

/** The stub's message: the kernel panics with "assignment NAME: implement FUNCTION (FILE)"; the
 *  report's template still says TODO and has no figures. */
const stubMessage = (name: string) =>
  name === "report" ? /still says TODO|names no cost profile/ : new RegExp(`kernel panic: panic: assignment ${name}: implement \\w+ \\(\\S+\\.ts\\)`);

/** skeletonSuite: for each of names, the generated tree compiles, its own checks fail (each
 *  with the stub's message, or skipped for a dependency that did) and every other assignment's
 *  checks pass. */
export function skeletonSuite(names: string[]): void {
  const dir = mkdtempSync(join(tmpdir(), "genie-skeletons-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  for (const name of names) {
    describe(`the ${name} skeleton`, () => {
      const tree = join(dir, name);
      let kernel: WebAssembly.Module;
      beforeAll(async () => {
        const g = generate(root, tree, [name]);
        expect(g.stubbed.length).toBeGreaterThan(0);
        const b = await buildKernel(tree);
        expect(b.error).toBe("");
        kernel = await WebAssembly.compile(b.wasm!);
      });

      it(`fails every ${name} check, naming the function to implement (or skips it for a failed dependency)`, async () => {
        const a = ASSIGNMENTS.find((x) => x.name === name)!;
        const out = await runChecks(a.checks, { kernel, readFile: treeReader(tree) });
        expect(out.filter((o) => o.status === "fail").length).toBeGreaterThan(0);
        for (const o of out) {
          if (o.status === "skip") expect(o.message).toMatch(/^skipped: depends on /);
          else {
            expect(o.status, o.id).toBe("fail");
            expect(o.message, o.id).toMatch(stubMessage(name));
          }
        }
      });

      it("passes every check of every other assignment", async () => {
        for (const a of ASSIGNMENTS.filter((x) => x.name !== name)) {
          const out = await runChecks(a.checks, { kernel, readFile: treeReader(tree) });
          expect(out.filter((o) => o.status !== "pass").map((o) => `${a.name}/${o.id}: ${o.message}`)).toEqual([]);
        }
      });
    });
  }
}
