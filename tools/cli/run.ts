// tools/cli/run.ts — `genie run SCENARIO [--SETTING VALUE ...] [--json]` and `genie scenarios`:
// the scenarios of the registry (tools/scenarios), the same ones the playground animates.
//
// run --json prints exactly {"scenario": NAME, "settings": {...}, "metrics": {...}}; the same
// settings give the same numbers, always. A run that does not deliver its bytes intact, or
// after which a kernel invariant fails, is an error (exit status 1), never a result.

import { loadKernel } from "../host/node";
import { resolveSettings, runScenario, scenarioByName, scenarioWorld, SCENARIOS, type Scenario } from "../scenarios/index";
import { parseFlags } from "./bench";
import { UsageError } from "./usage";

export const RUN_USAGE = `  scenarios                 list the scenarios and their settings
  run SCENARIO [--SETTING VALUE ...] [--json]
                            run one scenario (${SCENARIOS.map((s) => s.name).join(", ")});
                            settings as listed by genie scenarios, e.g. --semantics copy --bytes 4096
`;

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
const camel = (k: string) => k.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

/** describeScenario: the scenario's name, title and settings, as lines of text. */
export function describeScenario(s: Scenario): string {
  const lines = [`${s.name}: ${s.title}`];
  for (const k of s.settings) {
    const range = k.kind === "choice" ? k.choices.join("|") : k.kind === "number" ? `${k.min}..${k.max}` : "true|false";
    lines.push(`    --${kebab(k.key).padEnd(18)} ${range.padEnd(28)} default ${k.default}: ${k.help}`);
  }
  return lines.join("\n");
}

/** runScenarios: `genie scenarios`. */
export function runScenarios(args: string[], out = (s: string) => process.stdout.write(s)): number {
  if (args.length) throw new UsageError(`scenarios takes no arguments (got ${args.join(" ")})`);
  out(SCENARIOS.map(describeScenario).join("\n\n") + "\n");
  return 0;
}

/** runRun: `genie run`. */
export async function runRun(args: string[], out = (s: string) => process.stdout.write(s)): Promise<number> {
  const [name, ...rest] = args;
  if (!name || name.startsWith("--")) throw new UsageError("run: which scenario? (genie scenarios lists them)");
  const s = scenarioByName(name);
  const spec: Record<string, boolean> = { json: false };
  for (const k of s.settings) spec[kebab(k.key)] = true;
  const flags = parseFlags(`run ${name}`, rest, spec);
  const json = flags.delete("json");
  const settings = resolveSettings(s.settings, Object.fromEntries([...flags].map(([k, v]) => [camel(k), v])), `run ${name}`);
  const kernel = await loadKernel();
  const lines: string[] = [];
  const { metrics } = await runScenario(s, settings, scenarioWorld(kernel, settings), { log: (l) => lines.push(l) });
  if (json) {
    out(JSON.stringify({ scenario: s.name, settings, metrics }) + "\n");
    return 0;
  }
  out(`${s.title}\n  ${s.settings.map((k) => `${k.key}=${settings[k.key]}`).join(" ")}\n\n`);
  for (const l of lines) out(`  ${l}\n`);
  out("\n");
  for (const [k, v] of Object.entries(metrics)) out(`  ${k.padEnd(20)} ${v}\n`);
  out(`\n  every kernel invariant holds after the run\n`);
  return 0;
}
