// The README's example is a program that runs: its code block is tools/examples/first-datagram.ts,
// word for word, and the built program, started from another folder, prints what the README says.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root, useCli } from "./cli-run";

useCli();

const readme = readFileSync(join(root, "README.md"), "utf8");
const EXAMPLE = "tools/examples/first-datagram.ts";

/** block: the text of the fenced block of this language that follows marker in the README. */
function block(marker: string, lang: string): string {
  const at = readme.indexOf(marker);
  expect(at, `README mentions ${marker}`).toBeGreaterThanOrEqual(0);
  const m = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(readme.slice(at));
  expect(m, `a \`\`\`${lang} block after ${marker}`).not.toBeNull();
  return m![1];
}

describe("the README's example", () => {
  it("is tools/examples/first-datagram.ts, word for word", () => {
    expect(block(`\`${EXAMPLE}\`, below`, "ts")).toBe(readFileSync(join(root, EXAMPLE), "utf8"));
  });

  it("runs from any folder (the kernel found from the program's place) and prints what the README says", () => {
    const r = spawnSync(process.execPath, [join(root, "build", "examples", "first-datagram.mjs")], { cwd: tmpdir(), encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(block("It prints", "text"));
  });
});
