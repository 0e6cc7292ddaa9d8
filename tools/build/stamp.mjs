// tools/build/stamp.mjs — "has anything changed since the last build?": a stamp file in build/
// holds the SHA-256 of the inputs (path and content of each), and a step is skipped while the
// stamp matches and its outputs exist.

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** files: every file under the given paths (folders walked, missing paths skipped), sorted. */
export function files(paths) {
  const out = [];
  const walk = (p) => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    else out.push(p);
  };
  paths.forEach(walk);
  return out.sort();
}

/** digest: one hash of these files' paths and contents, and of extra strings (versions, options). */
export function digest(paths, extra = []) {
  const h = createHash("sha256");
  for (const x of extra) h.update(`${x}\0`);
  for (const f of paths) h.update(`${f}\0`).update(existsSync(f) ? readFileSync(f) : "(missing)").update("\0");
  return h.digest("hex");
}

/** fresh: the stamp at path says hash, and every output exists. */
export function fresh(path, hash, outputs) {
  return existsSync(path) && readFileSync(path, "utf8").trim() === hash && outputs.every((o) => existsSync(o));
}

/** stamp: record hash at path. */
export function stamp(path, hash) {
  writeFileSync(path, hash + "\n");
}
