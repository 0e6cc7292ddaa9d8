// tools/playground/assign/page.tsx — the playground's assignment mode (assign.html): pick an
// assignment, read its handout's summary, edit its stubbed kernel files, compile the kernel in
// the page (compiler.ts: asc in a worker), grade it with the checks `genie grade` runs
// (grader.ts, under the same clock: tools/assign/supervise.ts), download the tree. Edits are
// kept in localStorage per assignment (tree.ts).

import { render, type ComponentChildren } from "preact";
import { signal, computed } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { EditorView, basicSetup } from "codemirror";
import { EditorState, type Extension } from "@codemirror/state";
import { javascript } from "@codemirror/lang-javascript";
import { editorTheme } from "../editortheme";
import type { SiteAssignment, SiteTree } from "../../assign/site";
import { diagnostics, type Diagnostic } from "../../assign/compile";
import { formatReport, score, type GradeReport, type Outcome } from "../../assign/score";
import { DEFAULT_TIMEOUT_MS, supervise, type GradingWorker } from "../../assign/supervise";
import type { CompileReply, CompileRequest } from "./compiler";
import type { GradeJob } from "./grader";
import { loadEdits, saveEdits, studentTree, textFiles, treeArchive, type Edits } from "./tree";

// ---- State ---------------------------------------------------------------------------------------

const params = new URLSearchParams(location.search);
/** The wall-clock limit of one check (?timeout=SEC overrides it, as `genie grade --timeout`). */
const TIMEOUT_MS = Number(params.get("timeout")) * 1000 || DEFAULT_TIMEOUT_MS;

const assignments = signal<SiteAssignment[]>([]);
const tree = signal<SiteTree | null>(null);
const current = signal<SiteAssignment | null>(null);
const edits = signal<Edits>({});
const openFile = signal<string>("");
/** The last kernel compiled, and the edits it was compiled from. */
const built = signal<{ key: string; reply: CompileReply } | null>(null);
const busy = signal<string | null>(null);
const live = signal<Outcome[]>([]);
const report = signal<GradeReport | null>(null);
const message = signal<{ text: string; bad: boolean } | null>(null);
const confirmReset = signal(false);
/** Counts the times the editor's files were replaced (another assignment, a reset). */
const generation = signal(0);

const say = (text: string, bad = false) => (message.value = { text, bad });
/** The edits' identity: a compiled kernel is reused while they are unchanged. */
const editsKey = (a: SiteAssignment, e: Edits) => `${a.name}\n${JSON.stringify(Object.entries(e).sort())}`;
const problems = computed<Diagnostic[]>(() => (built.value?.reply.error ? diagnostics(built.value.reply.error) : []));
const fresh = computed(() => !!current.value && built.value?.key === editsKey(current.value, edits.value));

// ---- The compiler ----------------------------------------------------------------------------------

let compiler: Promise<Worker> | null = null;
let nextId = 1;
const waiting = new Map<number, (r: CompileReply) => void>();

/** startCompiler: the compiler's worker, once it has loaded (seconds: binaryen is 13 MB). */
function startCompiler(): Promise<Worker> {
  compiler ??= new Promise((ok) => {
    const w = new Worker(new URL("./assign-compiler.js", import.meta.url), { type: "module" });
    w.onmessage = (e: MessageEvent<CompileReply | { ready: number }>) => {
      if ("ready" in e.data) {
        loadMs = e.data.ready;
        return ok(w);
      }
      waiting.get(e.data.id)?.(e.data);
      waiting.delete(e.data.id);
    };
  });
  return compiler;
}
/** Milliseconds the compiler's worker took to load. */
let loadMs = 0;

/** compile: the kernel of the student's tree (the last one, if nothing changed since). */
async function compile(): Promise<CompileReply> {
  const a = current.value!, key = editsKey(a, edits.value);
  if (built.value?.key === key) return built.value.reply;
  const w = await startCompiler();
  const id = nextId++;
  const files = [...textFiles(studentTree(tree.value!, a, edits.value))];
  const reply = await new Promise<CompileReply>((ok) => {
    waiting.set(id, ok);
    w.postMessage({ id, files } satisfies CompileRequest);
  });
  built.value = { key, reply };
  return reply;
}

async function onCompile(): Promise<void> {
  busy.value = "compiling…";
  try {
    const r = await compile();
    const load = `; the compiler loaded in ${(loadMs / 1000).toFixed(1)} s`;
    if (r.error) say(`the kernel did not build: ${problems.value.length} error(s)${load}`, true);
    else say(`compiled in ${(r.ms / 1000).toFixed(1)} s${load}: ${r.wasm!.length} bytes of WebAssembly`);
  } finally {
    busy.value = null;
  }
}

// ---- Grading ---------------------------------------------------------------------------------------

/** spawnGrader: a grading worker for job, as the supervisor sees it. */
function spawnGrader(job: GradeJob): GradingWorker {
  const w = new Worker(new URL("./assign-grader.js", import.meta.url), { type: "module" });
  w.postMessage(job);
  return {
    onMessage: (f) => (w.onmessage = (e) => f(e.data)),
    onFailure(f) {
      w.onerror = (e) => {
        e.preventDefault();
        f(`the check crashed its worker: ${e.message}`);
      };
    },
    terminate: () => w.terminate(),
  };
}

async function onGrade(): Promise<void> {
  const a = current.value!;
  report.value = null;
  live.value = [];
  busy.value = a.kernel ? "compiling…" : "grading…";
  try {
    const b = a.kernel ? await compile() : { wasm: null, error: "", ms: 0 };
    busy.value = "grading…";
    const files = [...textFiles(studentTree(tree.value!, a, edits.value))];
    const t0 = performance.now();
    const outcomes = await supervise(
      (ids, done) => spawnGrader({ assignment: a.name, wasm: b.wasm, files, ids, done }),
      a.checks.map((c) => c.id), TIMEOUT_MS, (o) => (live.value = [...live.value, o]));
    report.value = score(a.name, `genie-${a.name}`, a.checks, outcomes, a.rubric, { buildMs: b.ms, checkMs: performance.now() - t0 }, b.error || undefined);
    say(`graded: ${report.value.score}/${report.value.max}`, report.value.score < report.value.max);
  } catch (e) {
    say(`grading failed: ${(e as Error).message}`, true);
  } finally {
    busy.value = null;
  }
}

// ---- Files, storage, download -----------------------------------------------------------------------

function setEdits(next: Edits): void {
  edits.value = next;
  try {
    saveEdits(localStorage, current.value!, next);
  } catch (e) {
    say(`your work could not be saved in this browser: ${(e as Error).message}; download it`, true);
  }
}

function choose(a: SiteAssignment): void {
  current.value = a;
  edits.value = loadEdits(localStorage, a);
  openFile.value = Object.keys(a.files)[0];
  report.value = null;
  live.value = [];
  confirmReset.value = false;
  message.value = Object.keys(edits.value).length ? { text: "your saved work is restored", bad: false } : null;
  history.replaceState(null, "", `#${a.name}`);
  generation.value++;
}

function reset(): void {
  confirmReset.value = false;
  setEdits({});
  report.value = null;
  generation.value++;
  say("back to the skeleton: the assignment's files as handed out");
}

async function download(): Promise<void> {
  const a = current.value!;
  const { name, bytes } = await treeArchive(tree.value!, a, edits.value, Math.floor(Date.now() / 1000));
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/gzip" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  say(`${name}: the whole tree (${(bytes.length / 1024).toFixed(0)} KiB); tar xzf ${name}, then genie grade ${a.name} --tree genie-${a.name}`);
}

// ---- Views ------------------------------------------------------------------------------------------

/** inline: `code` and **bold** of a Markdown line. */
function inline(text: string): ComponentChildren[] {
  return text.split(/(`[^`]+`|\*\*[^*]+\*\*)/).map((s, i) => (s.startsWith("`") ? <code key={i}>{s.slice(1, -1)}</code> : s.startsWith("**") ? <b key={i}>{s.slice(2, -2)}</b> : s));
}

/** Markdown: headings, paragraphs and lists (what the handouts' summaries use). */
function Markdown({ text }: { text: string }) {
  const blocks = text.split(/\n\s*\n/).filter((b) => b.trim());
  return (
    <div class="handout">
      {blocks.map((b, i) => {
        const h = /^(#+)\s+(.*)$/.exec(b.trim());
        if (h) return h[1].length === 1 ? <h2 key={i}>{inline(h[2])}</h2> : <h3 key={i}>{inline(h[2])}</h3>;
        const items = b.split(/\n(?=\s*(?:\d+\.|-)\s)/);
        if (/^\s*(\d+\.|-)\s/.test(b)) {
          const body = items.map((it, j) => <li key={j}>{inline(it.replace(/^\s*(\d+\.|-)\s+/, "").replace(/\s*\n\s*/g, " "))}</li>);
          return /^\s*\d/.test(b) ? <ol key={i}>{body}</ol> : <ul key={i}>{body}</ul>;
        }
        return <p key={i}>{inline(b.replace(/\s*\n\s*/g, " "))}</p>;
      })}
    </div>
  );
}

let view: EditorView | null = null;
const states = new Map<string, EditorState>();

/** stateOf: the editor state of file path (kept while the assignment is open: its undo history). */
function stateOf(path: string): EditorState {
  let s = states.get(path);
  if (!s) {
    const a = current.value!;
    const lang: Extension[] = path.endsWith(".ts") ? [javascript({ typescript: true })] : [EditorView.lineWrapping];
    s = EditorState.create({
      doc: edits.value[path] ?? a.files[path],
      extensions: [basicSetup, ...lang, editorTheme, EditorView.updateListener.of((u) => {
        if (!u.docChanged) return;
        states.set(path, u.state);
        const text = u.state.doc.toString();
        const next = { ...edits.value };
        if (text === a.files[path]) delete next[path];
        else next[path] = text;
        setEdits(next);
      })],
    });
    states.set(path, s);
  }
  return s;
}

/** show: open file path in the editor, the cursor at line (if given). */
function show(path: string, line?: number): void {
  if (view && openFile.value !== path) states.set(openFile.value, view.state);
  openFile.value = path;
  if (!view) return;
  if (view.state !== stateOf(path)) view.setState(stateOf(path));
  if (line) {
    const l = view.state.doc.line(Math.min(line, view.state.doc.lines));
    view.dispatch({ selection: { anchor: l.from }, scrollIntoView: true });
    view.focus();
  }
}

function Editor() {
  const host = useRef<HTMLDivElement>(null);
  const a = current.value;
  useEffect(() => {
    if (!a) return;
    states.clear();
    view ??= new EditorView({ parent: host.current! });
    view.setState(stateOf(openFile.value));
  }, [generation.value]);
  if (!a) return null;
  return (
    <section class="files">
      <nav>
        {Object.keys(a.files).map((p) => (
          <button key={p} class={p === openFile.value ? "tab on" : "tab"} data-file={p} onClick={() => show(p)}>
            {p}{p in edits.value ? " •" : ""}
          </button>
        ))}
      </nav>
      <div id="assign-editor" ref={host} />
    </section>
  );
}

function Problems() {
  const ps = problems.value;
  if (!fresh.value || ps.length === 0) return null;
  return (
    <div id="problems" class="bad">
      <h3>The kernel did not build</h3>
      <ul>
        {ps.map((d, i) => (
          <li key={i}>
            {d.file ? <button class="link" data-problem={`${d.file}:${d.line}`} onClick={() => (current.value!.files[d.file!] !== undefined ? show(d.file!, d.line) : undefined)}>{d.file}:{d.line}:{d.column}</button> : null}
            <pre>{d.text}</pre>
          </li>
        ))}
      </ul>
    </div>
  );
}

const RESULT = { pass: "passed", fail: "failed", skip: "skipped", timeout: "timeout" } as const;

function Score() {
  const a = current.value!;
  const r = report.value;
  const rows = r ? r.checks : live.value.map((o) => ({ ...o, title: a.checks.find((c) => c.id === o.id)?.title ?? "", points: 0, max: a.rubric.checks[o.id] ?? 0 }));
  if (!r && rows.length === 0) return null;
  return (
    <section id="score">
      <table>
        <thead><tr><th>check</th><th>result</th><th>points</th><th>message</th></tr></thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.id} data-check={c.id} title={c.title}>
              <td>{c.id}</td>
              <td class={c.status === "pass" ? "ok status" : "bad status"}>{RESULT[c.status]}</td>
              <td class="num">{r ? `${c.points}/${c.max}` : ""}</td>
              <td>{c.status === "pass" ? c.title : c.message.split("\n")[0]}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r && <p id="total"><b>total: {r.score}/{r.max}{r.max ? ` (${Math.round((100 * r.score) / r.max)}%)` : ""}</b> · build {(r.buildMs / 1000).toFixed(1)} s, checks {(r.checkMs / 1000).toFixed(1)} s</p>}
      {r && (
        <details>
          <summary>as <code>genie grade {a.name}</code> prints it</summary>
          <pre id="report-text">{formatReport(r, a.rubric)}</pre>
        </details>
      )}
    </section>
  );
}

function App() {
  const a = current.value;
  if (!a) return <main><p class="hint">{message.value?.text ?? "loading the assignments…"}</p></main>;
  return (
    <main class="assign">
      <header>
        <h1>Genie playground — assignments</h1>
        <a href="./">scenarios</a>
      </header>
      <div class="controls">
        <label>assignment <select id="assignment" value={a.name} disabled={!!busy.value} onChange={(e) => choose(assignments.value.find((x) => x.name === (e.target as HTMLSelectElement).value)!)}>
          {assignments.value.map((x, i) => <option key={x.name} value={x.name}>{i + 1}. {x.title} ({x.hours} h)</option>)}
        </select></label>
        {a.kernel && <button id="compile" disabled={!!busy.value} onClick={() => void onCompile()}>Compile</button>}
        <button id="grade" disabled={!!busy.value} onClick={() => void onGrade()}>Grade</button>
        <button id="download" disabled={!!busy.value} onClick={() => void download()}>Download</button>
        {confirmReset.value
          ? <span>your edits of this assignment will be lost: <button id="reset-yes" onClick={reset}>Reset</button> <button onClick={() => (confirmReset.value = false)}>Keep them</button></span>
          : <button id="reset" disabled={!!busy.value || Object.keys(edits.value).length === 0} onClick={() => (confirmReset.value = true)}>Reset to skeleton</button>}
        {busy.value && <span class="busy-inline" id="busy">{busy.value}</span>}
      </div>
      {message.value && <p id="message" class={message.value.bad ? "bad" : "ok"}>{message.value.text}</p>}
      <div class="assign-body">
        <section class="panel">
          <Problems />
          <Score />
          <Markdown text={a.summary} />
          <p class="hint">Graded by {a.checks.length} checks ({Object.values(a.rubric.checks).reduce((x, y) => x + y, 0)} points) as <code>genie grade {a.name}</code> grades them; the written questions by your instructor.</p>
          <details><summary>the whole handout</summary><pre>{a.handout}</pre></details>
        </section>
        <Editor />
      </div>
    </main>
  );
}

// ---- Start ------------------------------------------------------------------------------------------

async function start(): Promise<void> {
  try {
    const get = async (name: string) => {
      const res = await fetch(new URL(`assign/${name}`, location.href));
      if (!res.ok) throw new Error(`assign/${name} answered ${res.status}`);
      return res.json();
    };
    const [index, t] = await Promise.all([get("index.json"), get("tree.json")]);
    assignments.value = (index as { assignments: SiteAssignment[] }).assignments;
    tree.value = t as SiteTree;
    if (assignments.value.some((x) => x.kernel)) void startCompiler(); // it loads while the student reads
    const want = decodeURIComponent(location.hash.slice(1));
    choose(assignments.value.find((x) => x.name === want) ?? assignments.value[0]);
  } catch (e) {
    say(`the assignments could not be loaded: ${(e as Error).message}`, true);
  }
}

// For the tests and the curious: the page's state (window.genieAssign).
(window as unknown as Record<string, unknown>).genieAssign = { current, edits, built, report, busy, show, view: () => view };

render(<App />, document.getElementById("app")!);
void start();
