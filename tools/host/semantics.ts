// tools/host/semantics.ts — the data-passing semantics by name (docs/data-passing.md §4), for every host tool:
// the CLI, the benchmarks, the tests and the playground all spell them the same way.
//
//   name                 Sem                     buffers  integrity  emulated
//   copy                 COPY                    app      strong     no
//   emulated-copy        EMULATED_COPY           app      strong     yes
//   share                SHARE                   app      weak       no
//   emulated-share       EMULATED_SHARE          app      weak       yes
//   move                 MOVE                    system   strong     no
//   emulated-move        EMULATED_MOVE           system   strong     yes
//   weak-move            WEAK_MOVE               system   weak       no
//   emulated-weak-move   EMULATED_WEAK_MOVE      system   weak       yes
//
// "app" buffers: the application names the buffer of both output and input. "system" buffers:
// output gives the buffer's region to the system, and input lands in a region the kernel
// chooses (the call's second results say where).

import { Sem } from "../../base/abi";
import { ConfigError } from "./errors";

export interface SemanticsInfo {
  /** The name tools print and accept ("emulated-copy"). */
  name: string;
  sem: Sem;
  /** Who allocates the buffers: the application, or the system (move family). */
  buffers: "app" | "system";
  integrity: "strong" | "weak";
  emulated: boolean;
}

const row = (name: string, sem: Sem, buffers: "app" | "system", integrity: "strong" | "weak", emulated: boolean): SemanticsInfo =>
  ({ name, sem, buffers, integrity, emulated });

/** SEMANTICS: every semantics, in Sem order (DEFAULT excluded: it is not a semantics of its own). */
export const SEMANTICS: readonly SemanticsInfo[] = Object.freeze([
  row("copy", Sem.COPY, "app", "strong", false),
  row("emulated-copy", Sem.EMULATED_COPY, "app", "strong", true),
  row("share", Sem.SHARE, "app", "weak", false),
  row("emulated-share", Sem.EMULATED_SHARE, "app", "weak", true),
  row("move", Sem.MOVE, "system", "strong", false),
  row("emulated-move", Sem.EMULATED_MOVE, "system", "strong", true),
  row("weak-move", Sem.WEAK_MOVE, "system", "weak", false),
  row("emulated-weak-move", Sem.EMULATED_WEAK_MOVE, "system", "weak", true),
]);

/** SEMANTICS_NAMES: the names, in Sem order. */
export const SEMANTICS_NAMES: readonly string[] = SEMANTICS.map((s) => s.name);

/** semanticsByName: the semantics called name; ConfigError listing the names if there is none. */
export function semanticsByName(name: string): SemanticsInfo {
  const s = SEMANTICS.find((x) => x.name === name);
  if (!s) throw new ConfigError(`unknown semantics "${name}" (known: ${SEMANTICS_NAMES.join(", ")})`);
  return s;
}

/** semanticsOf: the table row of sem; ConfigError for DEFAULT or a number that is no semantics. */
export function semanticsOf(sem: Sem): SemanticsInfo {
  const s = SEMANTICS.find((x) => x.sem === sem);
  if (!s) throw new ConfigError(`semantics ${sem} is not one of ${SEMANTICS.map((x) => `${x.sem} (${x.name})`).join(", ")}`);
  return s;
}
