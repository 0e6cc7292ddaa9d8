// tools/assign/markers.ts — solution regions in the sources, and the stubs that replace them.
//
// One greppable form (`grep -rn "@solution NAME"`), in any file:
//
//   // @solution tcow begin
//   ...the solution: kept in the repository, removed from a student's tree...
//   // @solution tcow stub
//   // panic("assignment tcow: implement tcowProtect (kernel/io/tcow.ts)");
//   // @solution tcow end
//
// In a student's tree the three marker lines and the solution go; the stub's lines stay,
// without their leading "// ". In Markdown the stub is an HTML comment that opens on the stub
// line (`<!-- @solution report stub`) and closes on the end line (`@solution report end -->`),
// so the repository's copy shows only the solution; the stub's lines are kept as they are. An
// assignment may have several regions, in several files; regions do not nest.

import { ConfigError } from "../host/errors";

export interface Region {
  name: string;
  /** 0-based line numbers of the begin, stub and end markers. */
  begin: number;
  stub: number;
  end: number;
}

const MARK = /@solution\s+([a-z][a-z0-9-]*)\s+(begin|stub|end)\b/;

/** regions: the solution regions of a file's text; throws naming the file and line of a
 *  malformed one (unbalanced, nested, stub missing, a name the course does not know). */
export function regions(text: string, file: string, known?: (name: string) => boolean): Region[] {
  const out: Region[] = [];
  let open: Partial<Region> | null = null;
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const m = MARK.exec(line);
    if (!m) return;
    const [, name, what] = m;
    const at = `${file}:${i + 1}`;
    if (known && !known(name)) throw new ConfigError(`${at}: "@solution ${name}": no assignment is called ${name}`);
    if (what === "begin") {
      if (open) throw new ConfigError(`${at}: region ${name} begins inside region ${open.name} (line ${open.begin! + 1})`);
      open = { name, begin: i };
    } else if (!open || open.name !== name) {
      throw new ConfigError(`${at}: "@solution ${name} ${what}" outside a region ${name}`);
    } else if (what === "stub") {
      if (open.stub !== undefined) throw new ConfigError(`${at}: region ${name} has two stubs`);
      open.stub = i;
    } else {
      if (open.stub === undefined) throw new ConfigError(`${at}: region ${name} ends without a stub`);
      out.push({ ...(open as Region), end: i });
      open = null;
    }
  });
  if (open) throw new ConfigError(`${file}:${(open as Region).begin + 1}: region ${(open as Region).name} never ends`);
  return out;
}

/** stubNote: does text hold a stub of assignment name that a student's tree shows (the line
 *  stubbed() writes in place of a region)? */
export function stubNote(text: string, name: string): boolean {
  return text.includes(`assignment ${name}: your code replaces this stub`) || text.includes(`assignment ${name}: your text replaces this template`);
}

/** stubbed: the text with every region whose name is in names replaced by its stub. */
export function stubbed(text: string, file: string, names: Set<string>, known?: (name: string) => boolean): string {
  const rs = regions(text, file, known).filter((r) => names.has(r.name));
  if (rs.length === 0) return text;
  const lines = text.split("\n");
  const out: string[] = [];
  let at = 0;
  for (const r of rs) {
    out.push(...lines.slice(at, r.begin));
    const comment = /^\s*\/\//.test(lines[r.begin]);
    const indent = /^\s*/.exec(lines[r.begin])![0];
    out.push(comment
      ? `${indent}// assignment ${r.name}: your code replaces this stub (docs/assignments/${r.name}.md)`
      : `${indent}<!-- assignment ${r.name}: your text replaces this template (docs/assignments/${r.name}.md) -->`);
    for (const l of lines.slice(r.stub + 1, r.end)) out.push(comment ? l.replace(/^(\s*)\/\/ ?/, "$1") : l);
    at = r.end + 1;
  }
  out.push(...lines.slice(at));
  return out.join("\n");
}
