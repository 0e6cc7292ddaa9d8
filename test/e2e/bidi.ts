// test/e2e/bidi.ts — Debian's Firefox ESR driven over WebDriver BiDi (the W3C protocol Firefox
// serves itself with --remote-debugging-port), for the end-to-end tests. playwright-core drives
// Firefox only when patched (its own build), and its BiDi path sends commands this ESR does not
// have, so the tests speak the protocol directly: the few commands they need, each answered or
// failed within a time limit that names the command.
//
// The socket is Node's own WebSocket client (undici's, the browsers' API): global from Node 22,
// behind --experimental-websocket on Node 20, which vitest.config.ts passes to the system tests'
// workers. That is less code to trust than a client of our own on node:http's upgrade (framing,
// masking, fragments, close handshake).
//
// A run starts Firefox in a process group of its own on a fresh profile in a temporary folder,
// and close() ends the group and removes the folder, also when the test failed or Firefox hangs;
// if the test process exits first, its exit handler does the same.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian installs Firefox ESR (apt-get install firefox-esr). */
export const FIREFOX = "/usr/bin/firefox-esr";

/** Default time limits in ms: Firefox to start listening, a command to be answered, a page
 *  condition to become true (generous: the machine running the tests may be busy). */
const START_MS = 30_000, COMMAND_MS = 20_000, WAIT_MS = 20_000, CLOSE_MS = 5_000;

/** The profile's settings: no first-run or what's-new pages, no updates, telemetry, safe-browsing
 *  lists, captive-portal or connectivity checks, remote settings or add-on fetches: the tests run
 *  offline and nothing but the page under test should run. (Firefox's remote agent sets more of
 *  its recommended test settings itself.) */
const PREFS: Record<string, string | number | boolean> = {
  "browser.shell.checkDefaultBrowser": false,
  "browser.startup.homepage_override.mstone": "ignore",
  "browser.startup.page": 0,
  "startup.homepage_welcome_url": "about:blank",
  "startup.homepage_welcome_url.additional": "",
  "browser.aboutwelcome.enabled": false,
  "browser.newtabpage.enabled": false,
  "browser.tabs.warnOnClose": false,
  "app.update.disabledForTesting": true,
  "app.update.auto": false,
  "app.normandy.enabled": false,
  "datareporting.policy.dataSubmissionEnabled": false,
  "datareporting.healthreport.uploadEnabled": false,
  "toolkit.telemetry.reportingpolicy.firstRun": false,
  "toolkit.telemetry.enabled": false,
  "toolkit.startup.max_resumed_crashes": -1,
  "browser.safebrowsing.malware.enabled": false,
  "browser.safebrowsing.phishing.enabled": false,
  "browser.safebrowsing.downloads.enabled": false,
  "browser.safebrowsing.update.enabled": false,
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "network.dns.disablePrefetch": true,
  "network.prefetch-next": false,
  "browser.region.update.enabled": false,
  "browser.search.update": false,
  "services.settings.server": "data:,#remote-settings-dummy/v1",
  "extensions.update.enabled": false,
  "extensions.getAddons.cache.enabled": false,
};

/** A message of the page's log: console output or an uncaught exception. */
export interface LogEntry {
  type: string; // "console" or "javascript" (an uncaught exception)
  level: string; // "debug", "info", "warn" or "error"
  text: string;
  where: string; // the innermost frame of its stack, if any ("url:line:column")
}

/** WebDriver's code points for the keys the tests press (the WebDriver spec's table of keys). */
const KEYS: Record<string, string> = {
  Home: "\uE011", End: "\uE010", ArrowLeft: "\uE012", ArrowUp: "\uE013", ArrowRight: "\uE014", ArrowDown: "\uE015",
  Escape: "\uE00C", Enter: "\uE007", Space: " ",
};

/** within: p, or a rejection saying what was awaited once ms have passed. */
function within<T>(p: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, fail) => { timer = setTimeout(() => fail(new Error(`Firefox: no answer in ${ms} ms: ${typeof what === "string" ? what : what()}`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

type Pending = { ok: (v: any) => void; fail: (e: Error) => void };

/** Firefox: one Firefox process, one BiDi session over one socket. */
export class Firefox {
  private next = 1;
  private pending = new Map<number, Pending>();
  private listeners = new Map<string, ((params: any) => void)[]>();
  private closed = false;
  private readonly onExit = () => this.kill();

  private constructor(private proc: ChildProcess, private profile: string, private socket: WebSocket, private stderr: () => string) {
    process.on("exit", this.onExit);
    socket.addEventListener("message", (e) => this.receive(String(e.data)));
    socket.addEventListener("close", () => this.failAll(`the connection to Firefox closed${this.closed ? "" : " unexpectedly"}; its last output: ${this.stderr()}`));
  }

  /** launch: start Firefox headless on a fresh profile (PREFS and prefs) and open a BiDi session;
   *  fails, with what Firefox printed, if it exits or does not listen within startMs (nothing
   *  is left running). */
  static async launch(opts: { executable?: string; prefs?: typeof PREFS; startMs?: number } = {}): Promise<Firefox> {
    const { executable = FIREFOX, startMs = START_MS } = opts;
    const profile = mkdtempSync(join(tmpdir(), "genie-firefox-"));
    writeFileSync(join(profile, "user.js"), Object.entries({ ...PREFS, ...opts.prefs }).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});\n`).join(""));
    const proc = spawn(executable, ["--headless", "--no-remote", "--remote-debugging-port=0", "--profile", profile, "about:blank"], {
      detached: true, // a process group of its own: kill() ends Firefox's content processes too
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: "1" },
    });
    let err = "";
    const tail = () => err.slice(-2000).trim() || "(nothing)";
    // Read stderr to its end: a full pipe would stop Firefox.
    proc.stderr!.setEncoding("utf8").on("data", (d: string) => { err = (err + d).slice(-20_000); });
    const abandon = () => { killGroup(proc); removeProfile(profile); };
    let socket: WebSocket;
    try {
      const address = await within(new Promise<string>((ok, fail) => {
        const look = () => { const m = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(err); if (m) ok(m[1]); };
        proc.stderr!.on("data", look);
        proc.once("error", (e) => fail(new Error(`Firefox (${executable}) did not start: ${e.message}; install it with apt-get install firefox-esr`)));
        proc.once("exit", (code, signal) => fail(new Error(`Firefox exited (${signal ?? code}) before listening: ${tail()}`)));
      }), startMs, () => `waiting for "WebDriver BiDi listening on" (its output: ${tail()})`);
      socket = new WebSocket(`${address}/session`);
      await within(new Promise<void>((ok, fail) => {
        socket.addEventListener("open", () => ok(), { once: true });
        socket.addEventListener("error", () => fail(new Error(`Firefox: cannot connect to ${address}/session`)), { once: true });
      }), COMMAND_MS, `connecting to ${address}/session`);
    } catch (e) {
      abandon();
      throw e;
    }
    const ff = new Firefox(proc, profile, socket, tail);
    try {
      await ff.send("session.new", { capabilities: {} });
    } catch (e) {
      await ff.close();
      throw e;
    }
    return ff;
  }

  /** send: a BiDi command's result; fails with Firefox's error, or if no answer comes in ms. */
  send(method: string, params: Record<string, unknown> = {}, ms = COMMAND_MS): Promise<any> {
    if (this.closed) return Promise.reject(new Error(`Firefox: ${method} after close`));
    const id = this.next++;
    const answer = new Promise<any>((ok, fail) => this.pending.set(id, { ok, fail }));
    try {
      this.socket.send(JSON.stringify({ id, method, params }));
    } catch (e) {
      this.pending.delete(id);
      return Promise.reject(new Error(`Firefox: cannot send ${method}: ${(e as Error).message}`));
    }
    return within(answer, ms, method).finally(() => this.pending.delete(id));
  }

  /** on: call listener with the parameters of each event named (after subscribe). */
  on(event: string, listener: (params: any) => void): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }

  /** subscribe: have Firefox send these events, for every page. */
  async subscribe(events: string[]): Promise<void> {
    await this.send("session.subscribe", { events });
  }

  /** onLog: call listener with each console message and uncaught exception of every page. */
  async onLog(listener: (e: LogEntry) => void): Promise<void> {
    this.on("log.entryAdded", (p) => {
      const top = p.stackTrace?.callFrames?.[0];
      listener({ type: p.type, level: p.level, text: p.text ?? "", where: top ? `${top.url}:${top.lineNumber + 1}:${top.columnNumber + 1}` : "" });
    });
    await this.subscribe(["log.entryAdded"]);
  }

  /** page: the browser's first tab, its viewport set to width × height CSS pixels. */
  async page(width = 1280, height = 720): Promise<Tab> {
    const { contexts } = await this.send("browsingContext.getTree", { maxDepth: 0 });
    const context: string = contexts[0]?.context ?? (await this.send("browsingContext.create", { type: "tab" })).context;
    await this.send("browsingContext.setViewport", { context, viewport: { width, height } });
    return new Tab(this, context);
  }

  /** tab: a new tab, its viewport set to width × height CSS pixels. */
  async tab(width = 1280, height = 720): Promise<Tab> {
    const { context } = await this.send("browsingContext.create", { type: "tab" });
    await this.send("browsingContext.setViewport", { context, viewport: { width, height } });
    return new Tab(this, context);
  }

  /** close: end the session, then Firefox's process group, and remove the profile; safe to
   *  call more than once, never hangs (a Firefox that does not exit in time is killed). */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.socket.readyState === WebSocket.OPEN && this.proc.exitCode === null) {
        await this.send("browser.close", {}, CLOSE_MS).catch(() => undefined);
      }
    } finally {
      this.closed = true;
      await within(new Promise<void>((ok) => (this.proc.exitCode !== null || this.proc.signalCode !== null ? ok() : this.proc.once("exit", () => ok()))), CLOSE_MS, "exiting").catch(() => undefined);
      this.kill();
      this.socket.close();
      process.off("exit", this.onExit);
    }
  }

  /** kill: end Firefox's process group (whatever is left of it) and remove its profile. */
  private kill() {
    this.closed = true;
    killGroup(this.proc);
    removeProfile(this.profile);
  }

  private receive(text: string) {
    const m = JSON.parse(text);
    if (m.type === "event") {
      for (const l of this.listeners.get(m.method) ?? []) l(m.params);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === "success") p.ok(m.result);
    else p.fail(new Error(`Firefox: ${m.error}: ${m.message}`));
  }

  private failAll(why: string) {
    for (const p of this.pending.values()) p.fail(new Error(why));
    this.pending.clear();
  }
}

/** killGroup: SIGKILL the process group that proc leads, if it is still there. */
function killGroup(proc: ChildProcess) {
  if (proc.pid === undefined) return;
  try {
    process.kill(-proc.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** removeProfile: remove a profile folder (retrying while a dying Firefox may still write in it). */
function removeProfile(dir: string) {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch (e) {
    console.warn(`could not remove Firefox's profile ${dir}: ${(e as Error).message}`);
  }
}

/** Tab: one top-level browsing context (a tab) of a Firefox. */
export class Tab {
  constructor(private ff: Firefox, readonly context: string) {}

  /** close: close the tab. */
  async close(): Promise<void> {
    await this.ff.send("browsingContext.close", { context: this.context });
  }

  /** goto: load url and wait for its load event. */
  async goto(url: string): Promise<void> {
    await this.ff.send("browsingContext.navigate", { context: this.context, url, wait: "complete" }, 60_000);
  }

  /** evaluate: fn(arg) run in the page, awaited; its result and arg cross as JSON. fn must not
   *  use anything from outside its own text. Fails with the page's exception if fn throws. */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A, ms = COMMAND_MS): Promise<R> {
    return this.call(`(${fn.toString()})`, arg, ms);
  }

  /** waitFor: wait until fn(arg), checked in the page every 20 ms, is true; fails after ms,
   *  naming what (or fn's text), and at once if fn throws. */
  async waitFor<A = undefined>(fn: (arg: A) => unknown, arg?: A, opts: { ms?: number; what?: string } = {}): Promise<void> {
    const ms = opts.ms ?? WAIT_MS;
    const poll = `((arg) => new Promise((ok, fail) => {
      const f = (${fn.toString()}), until = performance.now() + ${ms};
      const tick = () => { try { if (f(arg)) return ok(true); } catch (e) { return fail(e); } if (performance.now() > until) return ok(false); setTimeout(tick, 20); };
      tick();
    }))`;
    if (!(await this.call<boolean>(poll, arg, ms + COMMAND_MS))) throw new Error(`Firefox: still false after ${ms} ms: ${opts.what ?? fn.toString()}`);
  }

  /** call: the function expression fn applied in the page to arg, awaited (both as JSON). */
  private async call<R>(fn: string, arg: unknown, ms: number): Promise<R> {
    const out = await this.ff.send("script.callFunction", {
      functionDeclaration: `async (json) => { const r = await ${fn}(JSON.parse(json)); return JSON.stringify(r === undefined ? null : r); }`,
      arguments: [{ type: "string", value: JSON.stringify(arg === undefined ? null : arg) }],
      awaitPromise: true, target: { context: this.context }, resultOwnership: "none",
    }, ms);
    if (out.type === "exception") throw new Error(`in Firefox: ${out.exceptionDetails?.text ?? "an exception"}, running ${fn.slice(0, 300)}`);
    return JSON.parse(out.result.value) as R;
  }

  /** press: press and release each key named (a KEYS name or a character), one after another. */
  async press(...keys: string[]): Promise<void> {
    const actions = keys.flatMap((k) => [{ type: "keyDown", value: KEYS[k] ?? k }, { type: "keyUp", value: KEYS[k] ?? k }]);
    await this.ff.send("input.performActions", { context: this.context, actions: [{ type: "key", id: "keyboard", actions }] });
  }

  /** click: a mouse click at (x, y), CSS pixels in the viewport. */
  async click(x: number, y: number): Promise<void> {
    await this.drag([[x, y]]);
  }

  /** drag: press the mouse's button at the first point, move through the others (each move
   *  taking 50 ms, so the page sees moves between them), release at the last. */
  async drag(points: [number, number][]): Promise<void> {
    const [[x0, y0], ...rest] = points.map(([x, y]) => [Math.round(x), Math.round(y)]);
    await this.ff.send("input.performActions", {
      context: this.context,
      actions: [{ type: "pointer", id: "mouse", parameters: { pointerType: "mouse" }, actions: [
        { type: "pointerMove", x: x0, y: y0 }, { type: "pointerDown", button: 0 },
        ...rest.map(([x, y]) => ({ type: "pointerMove", x, y, duration: 50 })),
        { type: "pointerUp", button: 0 },
      ] }],
    });
  }

  /** screenshot: save what the viewport shows as a PNG at path. */
  async screenshot(path: string): Promise<void> {
    const { data } = await this.ff.send("browsingContext.captureScreenshot", { context: this.context });
    await writeFile(path, Buffer.from(data, "base64"));
  }
}
