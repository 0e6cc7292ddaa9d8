// tools/playground/protocol.ts — the messages between the page and its worker (worker.ts).
//
//   page -> worker  { id, op, ...args }        worker -> page  { id, ok: true, value } | { id, ok: false, error }
//                                                              play: first { id, stream: snapshot } ...
//
// The worker answers each request in turn; a request that takes longer than its budget is the
// page's to end (it terminates the worker and makes a new one).

import type { RunSpec, ViewNeeds } from "./engine";

export type Request =
  | { op: "record"; spec: RunSpec }
  | { op: "goto"; n: number; needs: ViewNeeds }
  | { op: "play"; from: number; needs: ViewNeeds; checkEveryStep: boolean }
  | { op: "frame"; machine: number; frame: number }
  | { op: "explain"; machine: number; pid: number; va: number }
  | { op: "bytes"; machine: number; pa: number; len: number }
  | { op: "pcap" }
  | { op: "compare"; spec: RunSpec };

export type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string }
  /** A picture of a run being played (play), before its reply. */
  | { id: number; stream: unknown };
