// A mistake in shareFrames (assignment align) is named where it is made: handing the plan fewer
// frames than the receive has pages panics in planUseFrames with both numbers, instead of a
// panic far later when the plan lets go of frames it never wired.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildKernel } from "../../tools/assign/build";
import { generate } from "../../tools/assign/generate";
import { ASSIGNMENTS } from "../../tools/assign/registry";
import { runChecks } from "../../tools/assign/run";
import { treeReader } from "../../tools/assign/worker";
import { root } from "../cli-run";

describe("assignment align: a shareFrames that hands the plan too few frames", () => {
  const dir = mkdtempSync(join(tmpdir(), "genie-align-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("fails share-in-place with planUseFrames' message: how many frames for how many pages", async () => {
    const tree = join(dir, "tree");
    generate(root, tree, []);
    const file = join(tree, "kernel/io/align.ts"), src = readFileSync(file, "utf8");
    const right = "if (frames.length == plan.frames.length) planUseFrames(plan, frames);";
    expect(src).toContain(right);
    writeFileSync(file, src.replace(right, "frames.pop(); // one page short\n  planUseFrames(plan, frames);"));
    const b = await buildKernel(tree);
    expect(b.error).toBe("");
    const a = ASSIGNMENTS.find((x) => x.name === "align")!;
    const out = await runChecks(a.checks.filter((c) => c.id === "share-in-place"), { kernel: await WebAssembly.compile(b.wasm!), readFile: treeReader(tree) });
    expect(out.map((o) => o.status)).toEqual(["fail"]);
    expect(out[0].message).toMatch(/planUseFrames: (\d+) frames for a receive of (\d+) pages/);
    const [, given, pages] = /planUseFrames: (\d+) frames for a receive of (\d+) pages/.exec(out[0].message)!;
    expect(Number(given)).toBe(Number(pages) - 1);
  });
});
