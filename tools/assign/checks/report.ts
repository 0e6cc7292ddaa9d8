// tools/assign/checks/report.ts — the written report (docs/assignments/report.md). What a
// machine can judge: the report is there, answers every question at some length, and backs
// its claims with measured figures. Its quality is the instructor's (the rubric's manual items).

import { atLeast, ok, type Check, type CheckContext } from "../check";

export const REPORT_PATH = "docs/assignments/report/REPORT.md";

/** The questions, as the report's second-level headings (docs/assignments/report.md). */
export const SECTIONS = [
  "Method",
  "Copy against emulated copy",
  "Weak integrity",
  "Header patching",
  "Network to disk",
  "After Genie",
];

const MIN_WORDS = 80;

/** sections: the report's "## " sections, by heading. */
function sections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let cur: string | null = null;
  for (const line of text.split("\n")) {
    const h = /^##\s+(.*?)\s*$/.exec(line);
    if (h) { cur = h[1]; out.set(cur, ""); }
    else if (cur) out.set(cur, out.get(cur)! + line + "\n");
  }
  return out;
}

const words = (s: string) => s.split(/\s+/).filter((w) => /\w/.test(w)).length;

/** report: the report's text without HTML comments (what a reader sees). */
function report(t: CheckContext): string {
  const text = t.readFile(REPORT_PATH);
  ok(text !== null, `${REPORT_PATH} is missing`);
  return text.replace(/<!--[\s\S]*?-->/g, "");
}

export const checks: Check[] = [
  {
    id: "report-sections",
    title: `the report (${REPORT_PATH}) answers every question in its section, of at least ${MIN_WORDS} words, with no TODO left`,
    async run(t) {
      const s = sections(report(t));
      for (const name of SECTIONS) {
        const body = s.get(name);
        ok(body !== undefined, `section "## ${name}" is missing`);
        ok(!/\bTODO\b/.test(body), `section "${name}" still says TODO`);
        atLeast(words(body), MIN_WORDS, `words in section "${name}"`);
      }
    },
  },
  {
    id: "report-figures",
    title: "the method names a cost profile and the report has a table of at least 6 measured figures",
    async run(t) {
      const text = report(t);
      ok(/\b(default|credit-net-1997|server-2025)\b/.test(sections(text).get("Method") ?? ""), "the Method section names no cost profile (default, credit-net-1997, server-2025)");
      const rows = text.split("\n").filter((l) => /^\s*\|/.test(l) && !/^\s*\|[\s:|-]+\|\s*$/.test(l));
      const figures = rows.reduce((n, l) => n + (l.match(/\|\s*[-+]?\d[\d,.]*\s*(%|µs|us|ms|ns|[KMG]?B|[KMG]bit\/s)?\s*(?=\|)/g)?.length ?? 0), 0);
      atLeast(figures, 6, "measured figures in the report's tables");
    },
  },
];
