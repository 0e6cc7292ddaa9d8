// test/docs.test.ts — every "§" reference in the code, the tests and the docs names a numbered
// section of a document in the repository.
//
//   docs/data-passing.md §4.3      in code and tests: a document, then one or more sections
//   §6                             in a document: a section of the same document
//
// A section is a Markdown heading that starts with its number: "## 4. The semantics",
// "### 4.3 Header patching".

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const FOLDERS = ["base", "vm", "drivers", "net", "fs", "kernel", "tools", "test", "docs"];
// This file is left out: its examples are references that do not exist, on purpose.
const SKIP = new Set(["node_modules", "build", "profiles", "docs.test.ts"]);

/** files: every .ts, .mjs and .md file under the folders, and README.md (paths from the root). */
function files(): string[] {
  const out = ["README.md"];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(ROOT, dir))) {
      const path = join(dir, name);
      if (SKIP.has(name)) continue;
      if (statSync(join(ROOT, path)).isDirectory()) walk(path);
      else if (/\.(ts|mjs|md)$/.test(name)) out.push(path);
    }
  };
  for (const f of FOLDERS) walk(f);
  return out;
}

/** sections: the section numbers of document path ("docs/x.md"), or null if it does not exist. */
const cache = new Map<string, Set<string> | null>();
function sections(path: string): Set<string> | null {
  if (!cache.has(path)) {
    let text: string | null = null;
    try {
      text = readFileSync(join(ROOT, path), "utf8");
    } catch {
      text = null;
    }
    cache.set(path, text === null ? null : new Set([...text.matchAll(/^#{2,4} (\d+(?:\.\d+)*)\.? /gm)].map((m) => m[1])));
  }
  return cache.get(path)!;
}

/** problems: every § reference in text (of file) that names no existing section, as "file:line: why". */
function problems(file: string, text = readFileSync(join(ROOT, file), "utf8")): string[] {
  const out: string[] = [];
  const isDoc = file.endsWith(".md");
  text.split("\n").forEach((line, i) => {
    for (const m of line.matchAll(/§\s?(\d+(?:\.\d+)*)/g)) {
      const before = line.slice(0, m.index);
      const named = [...before.matchAll(/(?:docs\/)?([a-z][a-z0-9-]*)\.md/g)].pop();
      let doc: string | null = null;
      if (named) doc = named[1] === "README" ? "README.md" : `docs/${named[1]}.md`;
      else if (isDoc) doc = file;
      const where = `${file}:${i + 1}: ${m[0]}`;
      if (/DESIGN\s*$/.test(before)) out.push(`${where}: cites DESIGN, which is not in the repository (cite docs/...)`);
      else if (doc === null) out.push(`${where}: names no document (write docs/NAME.md ${m[0]})`);
      else if (sections(doc) === null) out.push(`${where}: ${doc} does not exist`);
      else if (!sections(doc)!.has(m[1])) out.push(`${where}: ${doc} has no section ${m[1]} (it has ${[...sections(doc)!].join(", ")})`);
    }
  });
  return out;
}

describe("section references", () => {
  it("every § in code, tests and docs names an existing numbered section of an existing document", () => {
    const all = files();
    expect(all.length).toBeGreaterThan(100);
    const bad = all.flatMap((f) => problems(f));
    expect(bad, bad.join("\n")).toEqual([]);
  });

  it("the checker itself refuses a missing section, a missing document, DESIGN, and a bare § in code", () => {
    const text = ["// docs/data-passing.md §4.3 and §6", "// docs/data-passing.md §99", "// docs/no-such-doc.md §1", "// DESIGN §3", "// §2"].join("\n");
    const bad = problems("kernel/example.ts", text);
    expect(bad.map((b) => b.split(": ")[0])).toEqual(["kernel/example.ts:2", "kernel/example.ts:3", "kernel/example.ts:4", "kernel/example.ts:5"]);
    expect(problems("docs/data-passing.md", "see §6 and architecture.md §13")).toEqual([]);
  });
});
