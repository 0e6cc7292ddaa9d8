// tools/playground/main.tsx — the playground page: pick a scenario and its settings, watch it
// run on the real kernel (in a Web Worker, worker.ts) step by step, travel back in time, look
// at frames, page tables, NIC rings, packets, trace and counters; compare semantics; follow a
// tour; write a script of one's own and share it by URL.

import { render } from "preact";
import { signal, computed, batch } from "@preact/signals";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import { EditorView, basicSetup } from "codemirror";
import { javascript, javascriptLanguage } from "@codemirror/lang-javascript";
import { editorTheme } from "./editortheme";
import { SCENARIOS, scenarioByName, variants, type Scenario } from "../scenarios/index";
import { defaults, resolveSettings } from "../scenarios/settings";
import { FrameClass, FRAME_CLASS_NAMES, type Patch, type Recording, type RunSpec, type Snapshot, type ViewNeeds } from "./engine";
import type { Request, Reply } from "./protocol";
import { CLASS_COLORS, FRAMEMAP_WIDTH, MARK_ROWS, changedFrames, classCounts, css, paintFrame, decodePacket, decodeShare, encodeShare, filterTrace, fmtNs, gridOf, hexRows, nextEntry, paintFrames, scriptErrorLine, stripColumns, stripStep, stripX, type HexRow } from "./views";
import { TOURS, TCOW_SCRIPT, findStep, type Tour } from "./tours";

// ---- The worker ----------------------------------------------------------------------------------

/** How long a request may take before the worker is ended (a script that never ends); the
 *  page's ?budget=MS overrides it. */
const BUDGET_MS = Number(new URLSearchParams(location.search).get("budget")) || 8000;

class Simulator {
  private worker!: Worker;
  private next = 1;
  private pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void; timer: number; stream?: (v: unknown) => void }>();

  constructor() {
    this.start();
  }

  private start() {
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.worker.onmessage = (e: MessageEvent<Reply>) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      if ("stream" in e.data) {
        p.stream?.(e.data.stream);
        return;
      }
      this.pending.delete(e.data.id);
      clearTimeout(p.timer);
      if (e.data.ok) p.ok(e.data.value);
      else p.fail(new Error(e.data.error));
    };
  }

  call<T>(req: Request, budget = BUDGET_MS, stream?: (v: T) => void): Promise<T> {
    const id = this.next++;
    return new Promise<T>((ok, fail) => {
      const timer = window.setTimeout(() => {
        // The worker is stuck (a script that never ends): end it, make a new one.
        this.worker.terminate();
        const all = [...this.pending.values()];
        this.pending.clear();
        this.start();
        for (const p of all) {
          clearTimeout(p.timer);
          p.fail(new Error(`stopped: the run took longer than ${budget / 1000} s (a script that never ends?); the simulator was restarted`));
        }
      }, budget);
      this.pending.set(id, { ok: ok as (v: unknown) => void, fail, timer, stream: stream as ((v: unknown) => void) | undefined });
      this.worker.postMessage({ ...req, id });
    });
  }
}

const sim = new Simulator();

/** A request's budget: a script gets BUDGET_MS; a scenario of the registry, which always ends,
 *  four times that (a large one on a slow machine). */
const budget = () => (script.value === null ? 4 * BUDGET_MS : BUDGET_MS);

// ---- State ---------------------------------------------------------------------------------------

const scenario = signal<Scenario>(SCENARIOS[0]);
const settings = signal<Record<string, string | number | boolean>>(defaults(SCENARIOS[0].settings) as Record<string, string | number | boolean>);
const script = signal<string | null>(null);
const recording = signal<Recording | null>(null);
const snap = signal<Snapshot | null>(null);
const prevSnap = signal<Snapshot | null>(null);
const busy = signal(false);
const playing = signal(false);
const speed = signal(2);
/** Check the invariants at every step while running as fast as it goes (else at each picture). */
const checkEveryStep = signal(false);
const message = signal<{ text: string; bad: boolean } | null>(null);
const tab = signal("frames");
const selected = signal<{ machine: number; frame: number; info: Record<string, unknown> | null } | null>(null);
const walk = signal<{ machine: number; pid: number; va: number; text: string } | null>(null);
const packetIndex = signal(0);
/** The header patch shown (an index into the snapshot's patches; -1: the last). */
const patchIndex = signal(-1);
const traceQuery = signal("");
const compareRows = signal<{ variant: string; metrics: Record<string, number> | null; error: string | null }[] | null>(null);
const tour = signal<{ tour: Tour; stop: number } | null>(null);
const showHelp = signal(false);
const scriptError = signal<string | null>(null);
const total = computed(() => recording.value?.steps.length ?? 0);
const step = computed(() => snap.value?.step ?? 0);

const say = (text: string, bad = false) => (message.value = { text, bad });

/** The views the open panel shows: the worker computes only these (and the maps and counters). */
const needs = (): ViewNeeds => ({ procs: tab.value === "pages", rings: tab.value === "rings", packets: tab.value === "packets", trace: tab.value === "trace" });

/** lacks: the snapshot was taken without the view panel `id` shows. */
function lacks(s: Snapshot, id: string): boolean {
  if (id === "pages") return s.machines.some((m) => m.procs === null);
  if (id === "rings") return s.machines.some((m) => m.rings === null);
  return (id === "packets" && (s.packets === null || s.patches === null)) || (id === "trace" && s.trace === null);
}

/** openTab: show panel id, fetching the step again with its view if the snapshot lacks it
 *  (while running, it comes with the next picture or the end). */
function openTab(id: string) {
  tab.value = id;
  if (snap.value && lacks(snap.value, id) && !playing.value) void goto(step.value);
}

function spec(): RunSpec {
  return { scenario: scenario.value.name, settings: settings.value, script: script.value ?? undefined };
}

/** load: record the current spec and show where it ends (or step `at`). */
async function load(at?: number): Promise<void> {
  playing.value = false;
  busy.value = true;
  compareRows.value = null;
  selected.value = null;
  walk.value = null;
  scriptError.value = null;
  const t0 = performance.now();
  try {
    const rec = await sim.call<Recording>({ op: "record", spec: spec() }, budget());
    recording.value = rec;
    prevSnap.value = null;
    target = at ?? rec.steps.length;
    snap.value = await sim.call<Snapshot>({ op: "goto", n: target, needs: needs() }, budget());
    if (rec.error) {
      say(rec.error, true);
      if (script.value !== null) scriptError.value = rec.error;
    } else say(`${rec.steps.length} steps recorded in ${Math.round(performance.now() - t0)} ms`);
  } catch (e) {
    recording.value = null;
    snap.value = null;
    say((e as Error).message, true);
    if (script.value !== null) scriptError.value = (e as Error).message;
  } finally {
    busy.value = false;
  }
}

let wanted: number | null = null;
let going = false;
/** The step last asked for (steps count from it, so that quick key presses add up). */
let target = 0;

/** goto: show step n (requests coalesce: only the latest wanted step is fetched next). */
async function goto(n: number): Promise<void> {
  if (!recording.value) return;
  wanted = target = Math.max(0, Math.min(total.value, n));
  if (going) return;
  going = true;
  try {
    while (wanted !== null) {
      const target = wanted;
      wanted = null;
      const s = await sim.call<Snapshot>({ op: "goto", n: target, needs: needs() }, budget());
      batch(() => {
        prevSnap.value = snap.value;
        snap.value = s;
        if (selected.value) selected.value = { ...selected.value, info: null };
      });
      if (selected.value) void selectFrame(selected.value.machine, selected.value.frame);
    }
  } catch (e) {
    say((e as Error).message, true);
    playing.value = false;
  } finally {
    going = false;
  }
}

/** The speed that plays the run as a film, as fast as the simulator goes. */
const MAX_SPEED = 0;

function show(s: Snapshot) {
  batch(() => {
    prevSnap.value = snap.value;
    snap.value = s;
  });
}

async function play(): Promise<void> {
  if (!recording.value) return;
  if (step.value >= total.value) await goto(0);
  playing.value = true;
  if (speed.value === MAX_SPEED) {
    // One run from the start to the end; the worker simulates between pictures and sends one
    // at most once per animation frame, with only the open panel's view.
    let shown = step.value, latest: Snapshot | null = null;
    try {
      const end = await sim.call<Snapshot>({ op: "play", from: step.value, needs: needs(), checkEveryStep: checkEveryStep.value }, 4 * budget(), (s) => {
        if (!playing.value) return;
        // Drawn at the next animation frame: pictures that arrive faster than the page draws
        // are skipped, never queued.
        if (!latest) requestAnimationFrame(() => {
          if (latest && playing.value) show(latest);
          latest = null;
        });
        latest = s;
        shown = target = s.step;
      });
      latest = null;
      if (playing.value) {
        show(end);
        target = end.step;
        if (end.error) say(end.error, true);
      } else await goto(shown); // paused half-way: the worker goes back to what is shown
    } catch (e) {
      say((e as Error).message, true);
    }
    playing.value = false;
    return;
  }
  while (playing.value && step.value < total.value) {
    await goto(step.value + speed.value);
    await new Promise((r) => requestAnimationFrame(r));
  }
  playing.value = false;
}

const pause = () => (playing.value = false);
const toggle = () => (playing.value ? pause() : void play());
const stepBy = (d: number) => {
  pause();
  void goto(target + d);
};
const stepEntry = () => {
  pause();
  if (recording.value) void goto(nextEntry(recording.value.steps, target));
};
const reset = () => {
  pause();
  void goto(0);
};

async function selectFrame(machine: number, frame: number) {
  selected.value = { machine, frame, info: null };
  try {
    const info = await sim.call<Record<string, unknown>>({ op: "frame", machine, frame });
    if (selected.value?.frame === frame && selected.value.machine === machine) selected.value = { machine, frame, info };
  } catch (e) {
    say((e as Error).message, true);
  }
}

async function explainPage(machine: number, pid: number, va: number) {
  try {
    const t = await sim.call<{ text: string }>({ op: "explain", machine, pid, va });
    walk.value = { machine, pid, va, text: t.text };
  } catch (e) {
    say((e as Error).message, true);
  }
}

async function downloadPcap() {
  const bytes = await sim.call<Uint8Array>({ op: "pcap" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/vnd.tcpdump.pcap" }));
  a.download = `genie-${scenario.value.name}-step${step.value}.pcap`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function compare() {
  if (!scenario.value.compare) return;
  busy.value = true;
  try {
    compareRows.value = await sim.call({ op: "compare", spec: spec() }, 30000);
  } catch (e) {
    say((e as Error).message, true);
  } finally {
    busy.value = false;
  }
}

function pickScenario(name: string) {
  const s = scenarioByName(name);
  batch(() => {
    scenario.value = s;
    settings.value = defaults(s.settings) as Record<string, string | number | boolean>;
    script.value = null;
    tour.value = null;
  });
  void load();
}

async function showStop(t: Tour, i: number) {
  const stop = t.stops[i];
  tour.value = { tour: t, stop: i };
  const s = scenarioByName(stop.scenario);
  const same = scenario.value === s && script.value === (stop.script ?? null) && JSON.stringify(settings.value) === JSON.stringify({ ...defaults(s.settings), ...stop.settings });
  batch(() => {
    scenario.value = s;
    settings.value = { ...(defaults(s.settings) as Record<string, string | number | boolean>), ...stop.settings };
    script.value = stop.script ?? null;
    tab.value = stop.tab;
  });
  if (!same || !recording.value) await load(0);
  await goto(findStep(stop, recording.value!.steps));
  if (stop.focus) requestAnimationFrame(() => document.getElementById(stop.focus!)?.scrollIntoView({ block: "nearest" }));
}

function share(): string {
  const frag = encodeShare({ scenario: scenario.value.name, settings: settings.value, script: script.value ?? undefined });
  history.replaceState(null, "", "#" + frag);
  return location.href;
}

// ---- Views ---------------------------------------------------------------------------------------

function FrameMap({ mi }: { mi: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const painted = useRef<{ img: ImageData; classes: Uint8Array; off: OffscreenCanvas } | null>(null);
  const m = snap.value?.machines[mi];
  const before = prevSnap.value?.machines[mi];
  const width = FRAMEMAP_WIDTH;
  const g = m ? gridOf(m.frames, width) : null;
  useEffect(() => {
    const c = ref.current;
    if (!c || !m || !g) return;
    // Sized only when the grid changes: setting a canvas's size clears it and makes the page
    // lay out again.
    if (c.width !== g.cols * g.cell || c.height !== g.rows * g.cell) {
      c.width = g.cols * g.cell;
      c.height = g.rows * g.cell;
      // Shown WIDTH px wide whatever the cell size (a machine of 65,536 frames has 1 px cells).
      c.style.width = `${width}px`;
      c.style.height = `${Math.round((c.height * width) / c.width)}px`;
    }
    const ctx = c.getContext("2d")!;
    // The pixels of the last picture are kept: only the frames whose class changed are painted again.
    let p = painted.current;
    if (!p || p.img.width !== g.cols || p.img.height !== g.rows || p.classes.length !== m.classes.length) {
      p = painted.current = { img: new ImageData(paintFrames(m.classes, g.cols, g.rows), g.cols, g.rows), classes: m.classes.slice(), off: new OffscreenCanvas(g.cols, g.rows) };
    } else {
      for (const f of changedFrames(p.classes, m.classes)) paintFrame(p.img.data, f, m.classes[f]);
      p.classes.set(m.classes);
    }
    const off = p.off;
    off.getContext("2d")!.putImageData(p.img, 0, 0);
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, 0, 0, c.width, c.height);
    // Frames whose class changed in the last step get an outline.
    if (g.cell >= 3) {
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 1;
      for (const f of changedFrames(before?.classes, m.classes).slice(0, 2000)) ctx.strokeRect((f % g.cols) * g.cell + 0.5, Math.floor(f / g.cols) * g.cell + 0.5, g.cell - 1, g.cell - 1);
    }
    const sel = selected.value;
    if (sel && sel.machine === mi) {
      ctx.strokeStyle = "#f0f";
      ctx.lineWidth = 2;
      ctx.strokeRect((sel.frame % g.cols) * g.cell - 1, Math.floor(sel.frame / g.cols) * g.cell - 1, g.cell + 2, g.cell + 2);
    }
  });
  if (!m || !g) return null;
  const at = (e: MouseEvent) => {
    const r = (e.target as HTMLCanvasElement).getBoundingClientRect();
    const f = Math.floor(((e.clientY - r.top) * g.rows) / r.height) * g.cols + Math.floor(((e.clientX - r.left) * g.cols) / r.width);
    return f >= 0 && f < m.frames ? f : -1;
  };
  const counts = classCounts(m.classes);
  return (
    <div class="machine">
      <h3>
        {m.name} — {m.frames} frames, {counts[FrameClass.FREE]} free
      </h3>
      <canvas ref={ref} class="framemap" data-machine={mi} title="click a frame"
        onMouseMove={(e) => {
          const f = at(e);
          (e.target as HTMLCanvasElement).title = f >= 0 ? `frame ${f}: ${FRAME_CLASS_NAMES[m.classes[f] as FrameClass]}` : "";
        }}
        onClick={(e) => {
          const f = at(e);
          if (f >= 0) void selectFrame(mi, f);
        }} />
      {m.invariants.violations > 0 && <pre class="violation">invariants: {m.invariants.violations} violation(s){"\n"}{m.invariants.report}</pre>}
    </div>
  );
}

function Legend() {
  return (
    <div class="legend">
      {Array.from({ length: FrameClass.COUNT }, (_, c) => (
        <span key={c}>
          <i style={{ background: css(CLASS_COLORS[c]) }} />
          {FRAME_CLASS_NAMES[c as FrameClass]}
        </span>
      ))}
      <span><i class="owed" />page owed a zIO copy (page tables)</span>
    </div>
  );
}

function FrameDetail() {
  const s = selected.value;
  if (!s) return <p class="hint">Click a frame on a map to see its kind, reference counts and mappings.</p>;
  const i = s.info as null | { kind: string; flags: string[]; refs: number; outRef: number; inRef: number; wired: number; maps: number; owner: number; index: number; mappings: { pid: number; va: number; bits: string }[] };
  const name = snap.value?.machines[s.machine]?.name ?? "?";
  if (!i) return <p>frame {s.frame} of {name}…</p>;
  return (
    <div class="detail" id="frame-detail">
      <b>{name}: frame {s.frame}</b> (pa 0x{(s.frame * 4096).toString(16)}) — {i.kind}
      {i.flags.length > 0 && ` [${i.flags.join(" ")}]`}
      <br />refs {i.refs}, output refs {i.outRef}, input refs {i.inRef}, wired {i.wired}, mappings {i.maps}
      {i.owner > 0 && `, object ${i.owner} page ${i.index}`}
      <ul>
        {i.mappings.map((m) => (
          <li key={`${m.pid}-${m.va}`}>
            <a href="#" onClick={(e) => { e.preventDefault(); openTab("pages"); void explainPage(s.machine, m.pid, m.va); }}>
              process {m.pid}, va 0x{m.va.toString(16)}
            </a>{" "}[{m.bits}]
          </li>
        ))}
        {i.mappings.length === 0 && <li>not mapped by any process</li>}
      </ul>
    </div>
  );
}

function Counters() {
  const s = snap.value;
  if (!s) return null;
  const names = Object.keys(s.machines[0]?.counters ?? {});
  return (
    <table class="counters" id="counters">
      <caption>+n: what the last step added{playing.value ? " (while running: since the last picture)" : ""}</caption>
      <thead>
        <tr><th>counter</th>{s.machines.map((m) => <th key={m.name} colSpan={2}>{m.name}</th>)}</tr>
      </thead>
      <tbody>
        {names.map((n) => (
          <tr key={n} data-counter={n}>
            <td>{n}</td>
            {s.machines.map((m) => [
              <td key={m.name + "v"} class="num" data-machine={m.name}>{m.counters[n]}</td>,
              <td key={m.name + "d"} class={m.delta[n] ? "num delta" : "num"}>{m.delta[n] ? `+${m.delta[n]}` : ""}</td>,
            ])}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Shown by a panel whose view the picture on screen was taken without (while running). */
const Later = () => <p class="hint">This view comes with the next picture (while running as fast as it goes, only the open panel's view is computed).</p>;

function PageTables() {
  const s = snap.value;
  if (!s) return null;
  if (lacks(s, "pages")) return <Later />;
  return (
    <div>
      {walk.value && <pre class="walk" id="walk">{walk.value.text}</pre>}
      {s.machines.map((m, mi) => (
        <div key={m.name}>
          {m.procs!.map((p) => (
            <details key={p.pid} open={m.procs!.length <= 2}>
              <summary>{m.name}: process {p.pid} ({p.state.toLowerCase()}), {p.pages.length} pages mapped{p.owed.length > 0 && `, ${p.owed.length} owed an elided copy (zIO)`}</summary>
              <div class="pages">
                {p.pages.slice(0, 512).map((e) => (
                  <button key={e.va} class={m.classes[e.frame] === FrameClass.OWED ? "page owed-src" : "page"} title={`frame ${e.frame} [${e.bits}]`} onClick={() => void explainPage(mi, p.pid, e.va)}>
                    0x{e.va.toString(16)} → {e.frame} <small>{e.bits}</small>
                  </button>
                ))}
                {p.owed.slice(0, 512).map((e) => (
                  <button key={`owed-${e.va}`} class="page owed" title={`not mapped: owes the bytes of frame ${e.frame} (zIO); an access materialises it`} onClick={() => void explainPage(mi, p.pid, e.va)}>
                    0x{e.va.toString(16)} ⇢ {e.frame} <small>owed</small>
                  </button>
                ))}
              </div>
            </details>
          ))}
          {m.procs!.length === 0 && <p>{m.name}: no processes</p>}
        </div>
      ))}
    </div>
  );
}

function Rings() {
  const s = snap.value;
  if (!s) return null;
  if (lacks(s, "rings")) return <Later />;
  return (
    <div>
      {s.machines.map((m) => (
        <div key={m.name}>
          <h4>{m.name}</h4>
          {m.rings!.length === 0 && <p>no NIC</p>}
          {m.rings!.map((r) => (
            <details key={r.name} open={r.posted.length > 0 && r.posted.length < 40}>
              <summary>{r.name}: ring at pa 0x{r.ring.toString(16)}, head {r.head}, tail {r.tail}, {r.posted.length} posted</summary>
              <table class="ring">
                <tbody>
                  {r.posted.slice(0, 64).map((d) => (
                    <tr key={d.index}>
                      <td>#{d.index}</td>
                      <td>buffer 0x{d.addr.toString(16)} (frame {d.addr >>> 12}) {r.name === "tx" ? "len" : "cap"} {d.len}</td>
                      <td>{d.hdrAddr ? `hdr 0x${d.hdrAddr.toString(16)}` : ""}</td>
                      <td>{d.status ? `status ${d.status}` : ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          ))}
          {Object.keys(m.drops).length > 0 && <p class="bad">drops: {JSON.stringify(m.drops)}</p>}
        </div>
      ))}
    </div>
  );
}

function Packets() {
  const s = snap.value;
  if (!s) return null;
  const packets = s.packets;
  if (!packets || lacks(s, "packets")) return <Later />;
  const i = Math.min(packetIndex.value, packets.length - 1);
  const p = i >= 0 ? packets[i] : null;
  const d = p ? decodePacket(p.data) : null;
  return (
    <div class="packets">
      <button onClick={() => void downloadPcap()}>Download pcap</button> {packets.length} frames on the wire so far
      <ol class="plist">
        {packets.map((q, k) => (
          <li key={k} class={k === i ? "sel" : ""} onClick={() => (packetIndex.value = k)}>
            {fmtNs(q.t)} {decodePacket(q.data).summary}
          </li>
        ))}
      </ol>
      {d && p && (
        <div class="decoded">
          <div>{p.len} bytes at {fmtNs(p.t)}</div>
          <div>Ethernet: {d.eth.src} → {d.eth.dst}, type {d.eth.type}</div>
          {d.ip && <div>IPv4: {d.ip.src} → {d.ip.dst}, id {d.ip.id}, header {d.ip.headerLen} bytes, total length {d.ip.totalLen}, ttl {d.ip.ttl}, fragment offset {d.ip.fragOffset}{d.ip.moreFragments ? " (more)" : ""}, checksum {d.ip.checksum}{d.ip.jumboLen !== undefined ? `; jumbogram option: datagram ${d.ip.jumboLen} bytes` : ""}</div>}
          {d.udp && <div>UDP: port {d.udp.srcPort} → {d.udp.dstPort}, length {d.udp.len}, checksum {d.udp.checksum}</div>}
          <Hex rows={hexRows(p.data, 0, (at) => at < d.payloadAt)} id="packet-hex" />
          <div class="hint">marked: the headers ({d.payloadAt} bytes){s.patches && s.patches.length > 0 ? "; without header split they land over data in the receiver's buffer, which the driver then patches back (below)" : ""}
            {p.len > p.data.length ? `; ${p.len - p.data.length} more bytes in the pcap` : ""}</div>
        </div>
      )}
      <Patches patches={s.patches ?? []} />
    </div>
  );
}

/** Hex: rows of a hex view, the marked bytes highlighted. */
function Hex({ rows, id }: { rows: HexRow[]; id?: string }) {
  return (
    <pre class="hex" id={id}>
      {rows.map((r) => (
        <div key={r.addr}>
          {r.addr.toString(16).padStart(5, "0")}{"  "}
          {r.cells.map((c, i) => <span key={i}>{c.marked ? <mark>{c.hex}</mark> : c.hex}{i === 7 ? "  " : " "}</span>)}
          {" ".repeat(3 * (16 - r.cells.length))}{" "}
          {r.cells.map((c, i) => (c.marked ? <mark key={i}>{c.ch}</mark> : c.ch))}
        </div>
      ))}
    </pre>
  );
}

/** Patches: the header patches so far (Ev.NetPatch), one shown in the receiver's RAM with the bytes put back marked. */
function Patches({ patches }: { patches: Patch[] }) {
  if (patches.length === 0) return <p class="hint" id="patches">No header patching so far (it happens on a receive into a page-aligned layout by a NIC without header split).</p>;
  const i = patchIndex.value < 0 || patchIndex.value >= patches.length ? patches.length - 1 : patchIndex.value;
  const p = patches[i];
  const name = snap.value?.machines[p.machine]?.name ?? "?";
  return (
    <div id="patches">
      <h4>Header patching: {patches.length} patch{patches.length > 1 ? "es" : ""} so far</h4>
      <label>patch <select id="patch" value={String(i)} onChange={(e) => (patchIndex.value = Number((e.target as HTMLSelectElement).value))}>
        {patches.map((q, k) => <option key={k} value={String(k)}>{k + 1}: {snap.value?.machines[q.machine]?.name} at {fmtNs(q.t)}</option>)}
      </select></label>
      <div>{name}: the driver put {p.len} saved data bytes back at pa 0x{p.pa.toString(16)} (frame {p.pa >>> 12}, offset 0x{(p.pa & 0xfff).toString(16)}), over the headers of the packet that had landed there; {name}'s RAM now (marked: the bytes patched):</div>
      <Hex rows={hexRows(p.bytes, p.at, (at) => at >= p.pa && at < p.pa + p.len)} id="patch-hex" />
    </div>
  );
}

function Trace() {
  const s = snap.value;
  if (!s) return null;
  if (!s.trace) return <Later />;
  const ev = filterTrace(s.trace, traceQuery.value);
  return (
    <div>
      <input placeholder="filter: e.g. a fault" value={traceQuery.value} onInput={(e) => (traceQuery.value = (e.target as HTMLInputElement).value)} aria-label="trace filter" />
      <span> {ev.length} of the last {s.trace.length} events</span>
      <pre class="trace">{ev.slice(-300).map((e) => `${fmtNs(e.t).padStart(12)} ${e.machine} cpu${e.cpu} ${e.kind.padEnd(14)} ${e.a} ${e.b} ${e.c}`).join("\n")}</pre>
    </div>
  );
}

const CHART_METRICS = ["latencyUs", "simulatedMs", "simulatedUs", "cpuUs", "cpuBytesCopied", "bytesCopied", "pteWrites", "tlbShootdowns", "faults", "pageSwaps", "syscalls"];

function Compare() {
  const rows = compareRows.value;
  if (!scenario.value.compare) return <p>This scenario has no variants to compare.</p>;
  if (!rows) return <p><button onClick={() => void compare()} disabled={busy.value}>Compare every {scenario.value.compare}</button> runs the scenario under each, headless, with these settings.</p>;
  const metrics = CHART_METRICS.filter((k) => rows.some((r) => r.metrics && k in r.metrics));
  return (
    <div class="compare" id="compare">
      {metrics.map((k) => {
        const max = Math.max(1, ...rows.map((r) => r.metrics?.[k] ?? 0));
        return (
          <div key={k}>
            <h4>{k}</h4>
            <svg width="100%" height={rows.length * 16 + 4} role="img" aria-label={k}>
              {rows.map((r, i) => {
                const v = r.metrics?.[k];
                return (
                  <g key={r.variant} transform={`translate(0, ${i * 16})`}>
                    <text x="0" y="12" class="lbl">{r.variant}</text>
                    {v !== undefined && <rect x="150" y="2" height="12" width={Math.max(1, (v / max) * 250)} class={r.variant === settings.value[scenario.value.compare!] ? "bar cur" : "bar"} />}
                    <text x={v !== undefined ? 155 + (v / max) * 250 : 150} y="12" class="val">{v !== undefined ? v : r.error}</text>
                  </g>
                );
              })}
            </svg>
          </div>
        );
      })}
    </div>
  );
}

function Editor() {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // Made before the panel is first painted (a layout effect), so that "Run script" is never on
  // screen without its editor; window.genie.editor is the editor on screen, if any.
  useLayoutEffect(() => {
    if (!host.current) return;
    const v = new EditorView({ doc: script.value ?? TCOW_SCRIPT, extensions: [basicSetup, javascript(), editorTheme], parent: host.current });
    view.current = page.editor = v;
    return () => {
      v.destroy();
      if (page.editor === v) page.editor = null;
    };
  }, []);
  const run = () => {
    const src = view.current!.state.doc.toString();
    // A syntax error is found by the editor's own parser, with its line.
    const tree = javascriptLanguage.parser.parse(src);
    let bad = -1;
    tree.iterate({ enter: (n) => { if (bad < 0 && n.type.isError) bad = n.from; } });
    if (bad >= 0) {
      scriptError.value = `line ${view.current!.state.doc.lineAt(bad).number}: SyntaxError: the script does not parse here`;
      say(scriptError.value, true);
      return;
    }
    script.value = src;
    void load();
  };
  const line = scriptError.value ? scriptErrorLine(scriptError.value) : null;
  return (
    <div class="editor">
      <p class="hint">A script is the body of an async function of <code>world</code>, <code>settings</code>, <code>hooks</code> and every export of the host library (<code>connect</code>, <code>Sem</code>, <code>PAGE_SIZE</code>, …). Pass <code>pcap: hooks.pcap</code> to a wire to see its packets.</p>
      <div ref={host} id="editor" />
      <p>
        <button id="run-script" onClick={run} disabled={busy.value}>Run script</button>{" "}
        <button id="share" onClick={() => { const url = share(); void navigator.clipboard?.writeText(url).catch(() => {}); say("link copied: the URL now holds the script and settings"); }}>Share link</button>{" "}
        {script.value !== null && <button onClick={() => pickScenario(scenario.value.name)}>Back to the scenario</button>}
      </p>
      {scriptError.value && <pre class="violation" id="script-error">{line ? `at line ${line}\n` : ""}{scriptError.value}</pre>}
    </div>
  );
}

function Tours() {
  return (
    <div>
      {TOURS.map((x) => (
        <p key={x.name}><button data-tour={x.name} onClick={() => void showStop(x, 0)}>{x.title}</button></p>
      ))}
    </div>
  );
}

function TourBox() {
  const t = tour.value;
  if (!t) return null;
  const stop = t.tour.stops[t.stop];
  return (
    <div class="tour" id="tour">
      <h4>{t.tour.title} — {t.stop + 1} / {t.tour.stops.length}</h4>
      <p>{stop.text}</p>
      <button disabled={t.stop === 0 || busy.value} onClick={() => void showStop(t.tour, t.stop - 1)}>Back</button>{" "}
      {t.stop + 1 < t.tour.stops.length ? <button id="tour-next" disabled={busy.value} onClick={() => void showStop(t.tour, t.stop + 1)}>Next</button> : <span id="tour-end">End of the tour.</span>}{" "}
      <button onClick={() => (tour.value = null)}>Close</button>
    </div>
  );
}

const TABS: [string, string, () => preact.JSX.Element | null][] = [
  ["frames", "Frame", FrameDetail], ["counters", "Counters", Counters], ["pages", "Page tables", PageTables], ["rings", "NIC rings", Rings],
  ["packets", "Packets", Packets], ["trace", "Trace", Trace], ["compare", "Compare", Compare], ["editor", "Script", Editor], ["tours", "Tours", Tours],
];

function SettingsForm() {
  const s = scenario.value;
  const set = (k: string, v: string | number | boolean) => {
    settings.value = { ...settings.value, [k]: v };
    void load();
  };
  return (
    <div class="settings">
      <label>Scenario <select id="scenario" value={s.name} onChange={(e) => pickScenario((e.target as HTMLSelectElement).value)}>
        {SCENARIOS.map((x) => <option key={x.name} value={x.name}>{x.title}</option>)}
      </select></label>
      {s.settings.map((k) => (
        <label key={k.key} title={k.help}>
          {k.label}{" "}
          {k.kind === "choice" ? (
            <select data-setting={k.key} value={String(settings.value[k.key])} onChange={(e) => set(k.key, (e.target as HTMLSelectElement).value)}>
              {k.choices.map((c) => <option key={c}>{c}</option>)}
            </select>
          ) : k.kind === "boolean" ? (
            <input type="checkbox" data-setting={k.key} checked={Boolean(settings.value[k.key])} onChange={(e) => set(k.key, (e.target as HTMLInputElement).checked)} />
          ) : (
            <input type="number" data-setting={k.key} min={k.min} max={k.max} step={k.step ?? 1} value={Number(settings.value[k.key])} style={{ width: "6em" }}
              onChange={(e) => {
                try {
                  set(k.key, resolveSettings([k], { [k.key]: (e.target as HTMLInputElement).value }, k.label)[k.key]);
                } catch (err) {
                  say((err as Error).message, true);
                }
              }} />
          )}
        </label>
      ))}
      {script.value !== null && <b> (running a script)</b>}
    </div>
  );
}

function Controls() {
  const n = total.value, i = step.value, s = snap.value;
  return (
    <div class="controls">
      <button id="reset" title="reset (Home)" onClick={reset}>|◀</button>
      <button id="back" title="step back (←)" onClick={() => stepBy(-1)}>◀</button>
      <button id="play" title="run / pause (space)" onClick={toggle}>{playing.value ? "⏸ pause" : "▶ run"}</button>
      <button id="step" title="step one event (→)" onClick={() => stepBy(1)}>▶|</button>
      <button id="entry" title="next kernel entry (e)" onClick={stepEntry}>next entry</button>
      <label>speed <select id="speed" value={String(speed.value)} onChange={(e) => (speed.value = Number((e.target as HTMLSelectElement).value))}>
        {[1, 2, 8, 32, 128, 512].map((v) => <option key={v} value={v}>{v} steps/frame</option>)}
        <option value={MAX_SPEED}>as fast as it goes</option>
      </select></label>
      {speed.value === MAX_SPEED && (
        <label title="As fast as it goes, the kernel's invariants are checked at each picture drawn (about 30 a second); checked at every step, the run stops at the first step that breaks one, more slowly.">
          <input type="checkbox" id="check-every-step" checked={checkEveryStep.value} onChange={(e) => (checkEveryStep.value = (e.target as HTMLInputElement).checked)} />
          invariants at every step {checkEveryStep.value ? "" : "(now: at each picture)"}
        </label>
      )}
      <input id="timeline" type="range" min={0} max={n} value={i} aria-label="timeline" onInput={(e) => { pause(); void goto(Number((e.target as HTMLInputElement).value)); }} />
      <span id="position">step <b id="step-no">{i}</b> / {n}</span>
      <span class="now">{s ? `${fmtNs(s.t)} — ${s.label}` : ""}</span>
    </div>
  );
}

/** Height in px of one row of the timeline strip. */
const STRIP_ROW = 10;

/**
 * Strip: the recording as a timeline, one row per kind of happening (MARK_ROWS), one column per
 * few steps; the step shown is a line across. Click or drag on it to travel to a step.
 */
function Strip() {
  const ref = useRef<HTMLCanvasElement>(null);
  const rec = recording.value, i = step.value, n = total.value;
  // The rows are painted once per recording and width (and colour scheme), into an offscreen
  // canvas; a new step only copies them and draws its line.
  const cache = useRef<{ rec: Recording | null; width: number; fg: string; rows: OffscreenCanvas } | null>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c || !rec) return;
    const width = Math.max(1, c.clientWidth), height = MARK_ROWS.length * STRIP_ROW;
    const fg = getComputedStyle(c).getPropertyValue("--fg").trim() || "#000";
    if (cache.current?.rec !== rec || cache.current.width !== width || cache.current.fg !== fg) {
      const cols = stripColumns(rec.steps, width), rows = new OffscreenCanvas(width, height), r2 = rows.getContext("2d")!;
      MARK_ROWS.forEach((row, r) => {
        r2.fillStyle = row.color;
        for (let x = 0; x < width; x++) if (cols[x] & row.mark) r2.fillRect(x, r * STRIP_ROW + 1, 1, STRIP_ROW - 2);
      });
      cache.current = { rec, width, fg, rows };
    }
    if (c.width !== width) c.width = width;
    if (c.height !== height) c.height = height;
    const ctx = c.getContext("2d")!;
    ctx.clearRect(0, 0, width, height);
    ctx.drawImage(cache.current.rows, 0, 0);
    ctx.fillStyle = fg;
    ctx.fillRect(stripX(i, n, width) - 1, 0, 2, height);
  });
  if (!rec) return null;
  const seek = (e: PointerEvent) => {
    const c = e.currentTarget as HTMLCanvasElement;
    const r = c.getBoundingClientRect();
    pause();
    void goto(stripStep(((e.clientX - r.left) * c.width) / r.width, n, c.width));
  };
  return (
    <div class="strip">
      <div class="strip-rows">{MARK_ROWS.map((row) => <div key={row.mark} style={{ height: `${STRIP_ROW}px` }}><i style={{ background: row.color }} />{row.name}</div>)}</div>
      <canvas ref={ref} id="strip" aria-label="timeline of kernel entries, interrupts, faults, shootdowns and packets: click or drag to travel in time"
        style={{ height: `${MARK_ROWS.length * STRIP_ROW + 2}px` }}
        onPointerDown={(e) => { (e.currentTarget as HTMLCanvasElement).setPointerCapture(e.pointerId); seek(e); }}
        onPointerMove={(e) => { if (e.buttons & 1) seek(e); }} />
    </div>
  );
}

function Help() {
  if (!showHelp.value) return null;
  return (
    <div class="help" id="help" onClick={() => (showHelp.value = false)}>
      <div>
        <h3>Keyboard</h3>
        <p><kbd>space</kbd> run / pause · <kbd>→</kbd> step one event · <kbd>←</kbd> step back · <kbd>e</kbd> next kernel entry · <kbd>Home</kbd> reset to the start · <kbd>End</kbd> the end · <kbd>?</kbd> this list</p>
      </div>
    </div>
  );
}

function App() {
  const s = snap.value;
  return (
    <main>
      <header>
        <h1>Genie playground</h1>
        <span class="desc">{script.value === null ? scenario.value.description : "A script of your own, on the real kernel."}</span>
        <a href="./assign.html" id="assignments" title="The course's assignments: edit, compile and grade your kernel in the page">assignments</a>
      </header>
      <SettingsForm />
      <Controls />
      <Strip />
      {message.value && <p id="message" class={message.value.bad ? "bad" : "ok"}>{message.value.text}</p>}
      {busy.value && <p class="busy">running…</p>}
      <div class="body">
        <section class="maps">
          <Legend />
          {s?.machines.map((_, mi) => <FrameMap key={mi} mi={mi} />)}
          {s && s.machines.length === 0 && <p class="hint">Step 0: the world is empty. Run or step to boot the machines.</p>}
          {s && s.log.length > 0 && <pre class="log">{s.log.join("\n")}</pre>}
        </section>
        <section class="panel">
          <TourBox />
          <nav>{TABS.map(([id, label]) => <button key={id} class={tab.value === id ? "tab on" : "tab"} data-tab={id} onClick={() => openTab(id)}>{label}</button>)}</nav>
          {TABS.filter(([id]) => id === tab.value).map(([id, , View]) => <div key={id} class="view">{<View />}</div>)}
        </section>
      </div>
      <Help />
    </main>
  );
}

document.addEventListener("keydown", (e) => {
  const t = e.target as HTMLElement;
  if (t.closest("input, select, textarea, .cm-editor")) return;
  if (e.key === " ") toggle();
  else if (e.key === "ArrowRight") stepBy(1);
  else if (e.key === "ArrowLeft") stepBy(-1);
  else if (e.key === "e") stepEntry();
  else if (e.key === "Home") reset();
  else if (e.key === "End") { pause(); void goto(total.value); }
  else if (e.key === "?") showHelp.value = !showHelp.value;
  else if (e.key === "Escape") showHelp.value = false;
  else return;
  e.preventDefault();
});

/** start: the shared state of the URL, if any (a damaged one: a message and the default). */
function start() {
  try {
    const shared = decodeShare(location.hash);
    if (shared) {
      const s = scenarioByName(shared.scenario);
      resolveSettings(s.settings, shared.settings, "the link's settings");
      scenario.value = s;
      settings.value = { ...(defaults(s.settings) as Record<string, string | number | boolean>), ...shared.settings };
      script.value = shared.script ?? null;
      if (shared.script !== undefined) tab.value = "editor";
    }
  } catch (e) {
    say(`${(e as Error).message}; showing the default scenario instead`, true);
    history.replaceState(null, "", location.pathname);
    void load().then(() => say(`${(e as Error).message}; showing the default scenario instead`, true));
    return;
  }
  void load();
}


// For the tests and the curious: the page's state (window.genie).
const page: Record<string, unknown> = { snap, recording, step, total, goto, playing, variants: () => variants(scenario.value) };
(window as unknown as Record<string, unknown>).genie = page;

render(<App />, document.getElementById("app")!);
start();
