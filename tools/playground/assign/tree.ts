// tools/playground/assign/tree.ts — a student's tree in the page: the site's tree (tree.json),
// the assignment's stubbed files over it (index.json; together: what `genie assign NAME`
// writes), the student's edits over those (kept in localStorage, one entry per assignment).
// No DOM here but Storage: tests run it in Node.

import type { SiteAssignment, SiteTree } from "../../assign/site";
import { gzip, tar, treeEntries } from "../../assign/tar";

/** A student's edits: path -> text, only the assignment's files that differ from the skeleton. */
export type Edits = Record<string, string>;

/** studentTree: every file of the student's tree (text, or bytes for binary files). */
export function studentTree(tree: SiteTree, a: SiteAssignment, edits: Edits): Map<string, string | Uint8Array> {
  const out = new Map<string, string | Uint8Array>();
  for (const [p, b64] of Object.entries(tree.binary)) out.set(p, Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  for (const [p, text] of Object.entries(tree.text)) out.set(p, text);
  for (const [p, text] of Object.entries(a.files)) out.set(p, edits[p] ?? text);
  return new Map([...out].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

/** textFiles: the text files of a tree (what the compiler and the checks read). */
export function textFiles(files: ReadonlyMap<string, string | Uint8Array>): Map<string, string> {
  return new Map([...files].filter((e): e is [string, string] => typeof e[1] === "string"));
}

/** treeArchive: the tree as genie-NAME.tar.gz, under the folder genie-NAME/ (mtime: seconds). */
export async function treeArchive(tree: SiteTree, a: SiteAssignment, edits: Edits, mtime: number): Promise<{ name: string; bytes: Uint8Array<ArrayBuffer> }> {
  const top = `genie-${a.name}`;
  const entries = treeEntries(top, studentTree(tree, a, edits), new Map(Object.entries(tree.modes)));
  return { name: `${top}.tar.gz`, bytes: await gzip(tar(entries, mtime)) };
}

const KEY = (name: string) => `genie.assign.${name}`;

/** loadEdits: the student's saved edits of assignment a (those of files it still has). */
export function loadEdits(store: Storage, a: SiteAssignment): Edits {
  let saved: unknown;
  try {
    saved = JSON.parse(store.getItem(KEY(a.name)) ?? "{}");
  } catch {
    return {};
  }
  const files = (saved as { files?: Record<string, unknown> })?.files ?? {};
  const out: Edits = {};
  for (const [p, text] of Object.entries(files)) if (p in a.files && typeof text === "string") out[p] = text;
  return out;
}

/** saveEdits: keep the edits of assignment a (a file back to its skeleton is dropped; none: the entry goes). */
export function saveEdits(store: Storage, a: SiteAssignment, edits: Edits): void {
  const files = Object.fromEntries(Object.entries(edits).filter(([p, text]) => p in a.files && text !== a.files[p]));
  if (Object.keys(files).length === 0) store.removeItem(KEY(a.name));
  else store.setItem(KEY(a.name), JSON.stringify({ files, saved: new Date().toISOString() }));
}
