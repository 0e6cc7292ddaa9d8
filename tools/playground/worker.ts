// tools/playground/worker.ts — the Web Worker that runs the kernel and the host library for the
// page (engine.ts), so that the page stays responsive while a run is simulated.

import { loadKernel } from "../host/browser";
import { Engine, describeError, snapshotTransfers, type Snapshot } from "./engine";
import type { Reply, Request } from "./protocol";
import { resolveSettings, runScenario, scenarioByName, scenarioWorld, variants } from "../scenarios/index";

let engine: Engine | null = null;

async function handle(req: Request & { id: number }): Promise<unknown> {
  engine ??= new Engine(await loadKernel());
  switch (req.op) {
    case "record":
      return engine.record(req.spec);
    case "goto":
      return engine.goto(req.n, req.needs);
    case "play":
      // Free running between pictures; a picture at most every 16 ms of wall time (one per
      // animation frame at 60 Hz), its frames maps moved, not copied.
      return engine.play(req.from, (snap) => post({ id: req.id, stream: snap }, snapshotTransfers(snap)), { needs: req.needs, checkEveryStep: req.checkEveryStep });
    case "frame":
      return engine.frame(req.machine, req.frame);
    case "explain":
      return engine.explain(req.machine, req.pid, req.va);
    case "bytes":
      return engine.bytes(req.machine, req.pa, req.len);
    case "pcap":
      return engine.pcapBytes();
    case "compare": {
      // The scenario under each of its variants, headless: the metrics of each (or its error).
      const s = scenarioByName(req.spec.scenario);
      const rows: { variant: string; metrics: Record<string, number> | null; error: string | null }[] = [];
      for (const v of variants(s)) {
        const settings = resolveSettings(s.settings, { ...req.spec.settings, [s.compare!]: v });
        const world = scenarioWorld(engine.kernel, settings);
        try {
          rows.push({ variant: v, metrics: (await runScenario(s, settings, world, {}, { scrub: false })).metrics, error: null });
        } catch (e) {
          rows.push({ variant: v, metrics: null, error: describeError(e) });
        }
        world.dispose(); // its kernel instances serve the next variant's machines
      }
      return rows;
    }
  }
}

const post = (reply: Reply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(reply, transfer);

self.onmessage = async (e: MessageEvent<Request & { id: number }>) => {
  try {
    const value = await handle(e.data);
    const snap = e.data.op === "goto" || e.data.op === "play" ? (value as Snapshot) : null;
    post({ id: e.data.id, ok: true, value }, snap ? snapshotTransfers(snap) : []);
  } catch (err) {
    post({ id: e.data.id, ok: false, error: describeError(err) });
  }
};
