// tools/cli/run.ts — `genie run SCENARIO [--SETTING VALUE ...] [--json]` and `genie scenarios`:
// the scenarios of the registry (tools/scenarios), the same ones the playground animates.
//
// run --json prints exactly {"scenario": NAME, "settings": {...}, "metrics": {...}}; the same
// settings give the same numbers, always. A run that does not deliver its bytes intact, or
// after which a kernel invariant fails, is an error (exit status 1), never a result.
// --check-every-event checks the invariants of every machine after every event and kernel
// entry, not only after the run (slower; the first violation ends the run, naming the moment).

import { loadKernel } from "../host/node";
import { resolveSettings, runScenario, scenarioWorld, SCENARIOS, type Scenario } from "../scenarios/index";
import { checked, GenieCommand, valueOption } from "./command";

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());

/** describeScenario: the scenario's name, title and settings, as lines of text. */
export function describeScenario(s: Scenario): string {
  const lines = [`${s.name}: ${s.title}`];
  for (const k of s.settings) {
    const range = k.kind === "choice" ? k.choices.join("|") : k.kind === "number" ? `${k.min}..${k.max}` : "true|false";
    lines.push(`    --${kebab(k.key).padEnd(18)} ${range.padEnd(28)} default ${k.default}: ${k.help}`);
  }
  return lines.join("\n");
}

/** scenariosCommand: `genie scenarios`. */
export function scenariosCommand(): GenieCommand {
  return new GenieCommand("scenarios")
    .description("list the scenarios (the playground's too) and their settings")
    .action(() => void process.stdout.write(SCENARIOS.map(describeScenario).join("\n\n") + "\n"));
}

/** runCommand: `genie run SCENARIO [--SETTING VALUE ...] [--json]`, one subcommand per scenario. */
export function runCommand(): GenieCommand {
  const run = new GenieCommand("run").description(`run one scenario (${SCENARIOS.map((s) => s.name).join(", ")}) with its settings`);
  run.subcommandNoun = "scenario";
  for (const s of SCENARIOS) {
    const c = run.command(s.name).description(s.title);
    for (const k of s.settings) {
      const range = k.kind === "choice" ? k.choices.join("|") : k.kind === "number" ? `${k.min}..${k.max}` : "true|false";
      // each value is checked as it is read, by the scenario's own rules
      const value = k.kind === "choice" ? "NAME" : k.kind === "number" ? "N" : "BOOL";
      c.addOption(valueOption(`--${kebab(k.key)} <${value}>`, `${k.help}: ${range} (default ${k.default})`,
        checked((v) => (resolveSettings([k], { [k.key]: v }, `run ${s.name}`), v), (_, flag, msg) => msg.replace(`run ${s.name}: `, `${flag}: `))));
    }
    c.option("--json", "print {scenario, settings, metrics} as JSON");
    c.option("--check-every-event", "check every machine's invariants after every event and kernel entry (slower)");
    c.action(async (o: Record<string, string | boolean>) => void (process.exitCode = await runRun(s, o)));
  }
  return run;
}

/** runRun: one scenario with the settings given (camel-cased option names); the exit status. */
export async function runRun(s: Scenario, o: Record<string, string | boolean>, out = (x: string) => process.stdout.write(x)): Promise<number> {
  const { json, checkEveryEvent, ...given } = o;
  const settings = resolveSettings(s.settings, given, `run ${s.name}`);
  const kernel = await loadKernel();
  const lines: string[] = [];
  const world = scenarioWorld(kernel, settings);
  const every = checkEveryEvent ? { checks: 0 } : undefined;
  const { metrics } = await runScenario(s, settings, world, { log: (l) => lines.push(l) }, { everyEvent: every });
  if (json) {
    out(JSON.stringify({ scenario: s.name, settings, metrics }) + "\n");
    return 0;
  }
  out(`${s.title}\n  ${s.settings.map((k) => `${k.key}=${settings[k.key]}`).join(" ")}\n\n`);
  for (const l of lines) out(`  ${l}\n`);
  out("\n");
  for (const [k, v] of Object.entries(metrics)) out(`  ${k.padEnd(20)} ${v}\n`);
  // Network input dropped, per reason (base/abi.ts Drop), on each machine that dropped any.
  for (const m of world.machines) {
    const drops = Object.entries(m.drops());
    if (drops.length) out(`  ${(m.name + " dropped").padEnd(20)} ${drops.map(([r, n]) => `${r} ${n}`).join(", ")}\n`);
  }
  out(`\n  every kernel invariant holds after the run${every ? `, and after every event and kernel entry (${every.checks} checks)` : ""}\n`);
  return 0;
}
