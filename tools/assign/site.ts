// tools/assign/site.ts — the course's assignments as the playground serves them (its assignment
// mode, tools/playground/assign/), written at build time into build/playground/assign/:
//
//   tree.json    every file of a student's tree as `genie assign` writes it, before stubbing:
//                { text: {path: utf8}, binary: {path: base64}, modes: {path: 0o755...} }
//   index.json   { assignments: [{ name, title, hours, kernel, summary, handout, checks,
//                  rubric, files: {path: text} }] }: files are the ones holding the assignment's
//                  solution regions, stubbed (what `genie assign NAME` writes there)
//
// Overlaying an assignment's files on the tree gives its student tree, file for file.

import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REGION_DIRS, solutionRegions, treeFiles } from "./generate";
import { stubbed, stubNote } from "./markers";
import { ASSIGNMENTS } from "./registry";
import type { Rubric } from "./rubric";

export interface SiteTree {
  text: Record<string, string>;
  binary: Record<string, string>;
  /** Permission bits of the files that are not 0644 (scripts). */
  modes: Record<string, number>;
}

export interface SiteAssignment {
  name: string;
  title: string;
  hours: string;
  /** False when no check runs the kernel (nothing to compile). */
  kernel: boolean;
  /** The handout's opening and its "What to build" (or "What to hand in") section, Markdown. */
  summary: string;
  handout: string;
  checks: { id: string; title: string; depends?: string[] }[];
  rubric: Rubric;
  /** The files holding the assignment's regions, stubbed: what the student edits. */
  files: Record<string, string>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** asText: a file's text, or null if it is not UTF-8 text. */
function asText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** summary: the handout's lines before its first section, and its "What to ..." section. */
export function summary(handout: string): string {
  const parts = handout.split(/\n(?=## )/);
  const build = parts.find((p) => /^## What to (build|hand in)/.test(p));
  return [parts[0], build].filter(Boolean).join("\n").trim() + "\n";
}

/** siteTree: the files of the tree at root (build output excluded). */
export function siteTree(root: string): SiteTree {
  const tree: SiteTree = { text: {}, binary: {}, modes: {} };
  for (const f of treeFiles(root)) {
    const path = f.split("\\").join("/");
    const bytes = readFileSync(join(root, f));
    const text = asText(bytes);
    if (text === null) tree.binary[path] = bytes.toString("base64");
    else tree.text[path] = text;
    const mode = statSync(join(root, f)).mode & 0o777;
    if (mode !== 0o644) tree.modes[path] = mode;
  }
  return tree;
}

/** siteAssignments: every assignment with its handout, checks, rubric and stubbed files: its
 *  regions stubbed, or (a tree `genie assign` wrote, where they are stubbed already) the files
 *  showing its stubs. */
export function siteAssignments(root: string): SiteAssignment[] {
  const regions = solutionRegions(root);
  const known = (n: string) => ASSIGNMENTS.some((a) => a.name === n);
  const texts = treeFiles(root).map((f) => f.split("\\").join("/")).filter((f) => /\.(ts|md)$/.test(f) && REGION_DIRS.some((d) => f.startsWith(d))).map((f) => [f, readFileSync(join(root, f), "utf8")]);
  return ASSIGNMENTS.map((a) => {
    const handout = readFileSync(join(root, "docs/assignments", `${a.name}.md`), "utf8");
    const files: Record<string, string> = {};
    for (const [f, rs] of regions) {
      if (rs.some((r) => r.name === a.name)) files[f.split("\\").join("/")] = stubbed(readFileSync(join(root, f), "utf8"), f, new Set([a.name]), known);
    }
    if (Object.keys(files).length === 0) for (const [f, text] of texts) if (stubNote(text, a.name)) files[f] = text;
    return {
      name: a.name, title: a.title, hours: a.hours, kernel: a.kernel !== false,
      summary: summary(handout), handout,
      checks: a.checks.map((c) => ({ id: c.id, title: c.title, ...(c.depends ? { depends: c.depends } : {}) })),
      rubric: a.rubric, files,
    };
  });
}

/** writeSite: tree.json and index.json of the repository at root into dir. */
export function writeSite(root: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "tree.json"), JSON.stringify(siteTree(root)));
  writeFileSync(join(dir, "index.json"), JSON.stringify({ assignments: siteAssignments(root) }));
}
