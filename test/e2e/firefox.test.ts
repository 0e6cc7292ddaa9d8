// The playground in Debian's Firefox ESR, driven over WebDriver BiDi (test/e2e/bidi.ts), against
// the built site (npm run build): what the page shows is what the kernel does headless in Node,
// as in Chromium (test/e2e/playground.test.ts); its assignment page grades as genie grade does
// (test/e2e/assign.test.ts); neither prints a console error or warning. Firefox asks for the
// dark colour scheme, Chromium's tests for the light one: between them, both themes are seen. Keys and the click on
// the timeline strip are real input (input.performActions); buttons, selects and the slider
// get their DOM events from the page's own script.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { serve } from "../../tools/playground/serve";
import { FrameClass } from "../../tools/playground/engine";
import { CLASS_COLORS, encodeShare } from "../../tools/playground/views";
import { Firefox, FIREFOX, type LogEntry, type Tab } from "./bidi";
import { cellProbes, editorColours, freshClasses, headlessCounters, wrongCellsOf } from "./headless";
import { cliGrade, verdict } from "./grading";
import { root, useCli } from "../cli-run";
import type { GradeReport } from "../../tools/assign/score";

useCli();
const SHOTS = "build/e2e";
let server: Server, url: string, firefox: Firefox, page: Tab;
/** Every console error or warning and uncaught exception of the whole run. */
const problems: LogEntry[] = [];

/** settled: the page has shown a message for its last run and is not busy. */
const settled = () => page.waitFor(() => !document.querySelector(".busy") && document.querySelector("#message"), undefined, { what: "the page to settle" });
const stepIs = (n: number) => page.waitFor((n) => (window as any).genie.step.value === n, n, { what: `step ${n} shown` });
/** The settings of the run the page shows. */
const shownSettings = () => page.evaluate(() => (window as any).genie.recording.value.settings as Record<string, unknown>);
const shownClasses = () => page.evaluate(() => (window as any).genie.snap.value.machines.map((m: any) => Array.from(m.classes as Uint8Array)) as number[][]);
/** setTimeline: move the timeline slider to step n, as a user dragging it does. */
const setTimeline = (n: number) => page.evaluate((n) => {
  const el = document.querySelector("#timeline") as HTMLInputElement;
  el.value = String(n);
  el.dispatchEvent(new Event("input", { bubbles: true }));
}, n);
const clickTab = (tab: string) => page.evaluate((tab) => (document.querySelector(`button[data-tab="${tab}"]`) as HTMLButtonElement).click(), tab);

/** wrongCells: per machine, the frames the frames map does not draw in their class's colour in
 *  the snapshot shown, once the page has painted. */
async function wrongCells(): Promise<number[][]> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
  const probes = cellProbes(await shownClasses());
  return Promise.all(probes.map((p) => page.evaluate(wrongCellsOf, p)));
}

beforeAll(async () => {
  if (!existsSync("build/playground/index.html")) throw new Error("build/playground is missing: run npm run build first");
  if (!existsSync(FIREFOX)) throw new Error(`${FIREFOX} is missing: apt-get install firefox-esr (.ci/run does)`);
  mkdirSync(SHOTS, { recursive: true });
  ({ server, url } = await serve("build/playground"));
  // The dark colour scheme, as a system set to dark asks for: Chromium's test sees the light one.
  firefox = await Firefox.launch({ prefs: { "layout.css.prefers-color-scheme.content-override": 0 } });
  await firefox.onLog((e) => { if (e.type === "javascript" || e.level === "error" || e.level === "warn") problems.push(e); });
  page = await firefox.page(1280, 720);
  await page.goto(url);
});

afterAll(async () => {
  await firefox?.close();
  server?.close();
});

describe("playground in Firefox", () => {
  it("loads and shows the first scenario: its run's message and both machines' frames maps drawn", async () => {
    // The first load compiles the kernel in the worker: on a busy machine that takes a while.
    await page.waitFor(() => document.querySelectorAll("canvas.framemap").length === 2, undefined, { ms: 60_000, what: "two frames maps" });
    await settled();
    expect(await page.evaluate(() => (document.querySelector("#scenario") as HTMLSelectElement).value)).toBe("datagram");
    expect(await page.evaluate(() => document.querySelector("#message")!.textContent)).toMatch(/steps recorded/);
    // In the dark theme (style.css's dark --bg and --fg).
    expect(await page.evaluate(() => [matchMedia("(prefers-color-scheme: dark)").matches, getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]))
      .toEqual([true, "rgb(23, 24, 27)", "rgb(230, 230, 234)"]);
    // Each map has cells drawn: opaque pixels in the colours of frame classes.
    const inked = await page.evaluate(() => Array.from(document.querySelectorAll("canvas.framemap"), (c) => {
      const px = (c as HTMLCanvasElement).getContext("2d")!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] === 255) n++;
      return n;
    }));
    expect(inked.every((n) => n > 1000)).toBe(true);
    // Everything fits the window's width: nothing to scroll sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await page.screenshot(`${SHOTS}/firefox-datagram.png`);
  });

  it("shows, at the end of the datagram scenario, the counters a headless run in Node gives (copy and emulated copy)", async () => {
    await settled();
    for (const semantics of ["copy", "emulated-copy"]) {
      await page.evaluate((sem) => {
        const s = document.querySelector('select[data-setting="semantics"]') as HTMLSelectElement;
        s.value = sem;
        s.dispatchEvent(new Event("input", { bubbles: true }));
        s.dispatchEvent(new Event("change", { bubbles: true }));
      }, semantics);
      await page.waitFor((sem) => (window as any).genie.recording.value?.settings.semantics === sem && !document.querySelector(".busy"), semantics, { what: `the run under ${semantics}` });
      await clickTab("counters");
      await page.waitFor(() => document.querySelector("#counters tbody tr"), undefined, { what: "the counters table" });
      const shown = await page.evaluate(() => Array.from(document.querySelectorAll("#counters tbody tr"), (r) => [r.getAttribute("data-counter"), ...Array.from(r.querySelectorAll("td[data-machine]"), (td) => Number(td.textContent))]));
      const want = await headlessCounters("datagram", { semantics });
      expect(shown.length).toBe(Object.keys(want[0]).length);
      for (const [name, a, b] of shown) expect([name, a, b]).toEqual([name, want[0][name as string], want[1][name as string]]);
    }
    await page.screenshot(`${SHOTS}/firefox-counters.png`);
  });

  it("stepping with the keys and jumping on the timeline show the frames map of a fresh run stopped at that step, drawn in its classes' colours", async () => {
    await settled();
    await clickTab("frames");
    // The keys go to the page, not to the control used last.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.press("Home");
    await stepIs(0);
    await setTimeline(120);
    await stepIs(120);
    await page.press("ArrowRight", "ArrowRight", "ArrowRight");
    await stepIs(123);
    await page.press("ArrowLeft", "ArrowLeft", "ArrowLeft", "ArrowLeft", "ArrowLeft");
    await stepIs(118);
    expect(await shownClasses()).toEqual(await freshClasses("datagram", await shownSettings(), 118));
    // Frame 0 (the kernel's) is drawn in the kernel's colour.
    const px = await page.evaluate(() => Array.from((document.querySelector("canvas.framemap") as HTMLCanvasElement).getContext("2d")!.getImageData(1, 1, 1, 1).data.slice(0, 3)));
    expect(px).toEqual(CLASS_COLORS[FrameClass.KERNEL]);
    expect(await wrongCells()).toEqual([[], []]);
    // To the end and back: the canvas, painted over at each step, shows that step alone.
    await page.press("End");
    await page.waitFor(() => (window as any).genie.step.value === (window as any).genie.total.value, undefined, { what: "the last step shown" });
    expect(await wrongCells()).toEqual([[], []]);
    await setTimeline(118);
    await stepIs(118);
    expect(await wrongCells()).toEqual([[], []]);
    await page.screenshot(`${SHOTS}/firefox-frames.png`);
  });

  it("a mouse click and a drag on the timeline strip travel to the step under the pointer: the frames map of a fresh run stopped there", async () => {
    await settled();
    const n = await page.evaluate(() => (window as any).genie.total.value as number);
    const { x, y, width, height } = await page.evaluate(() => { const r = document.querySelector("#strip")!.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; });
    /** shownNear: the step shown once the page shows a step within 2 of fraction f of the run. */
    const shownNear = async (f: number) => {
      const want = Math.round(n * f);
      await page.waitFor((want) => { const g = (window as any).genie; return Math.abs(g.step.value - want) <= 2 && g.snap.value.step === g.step.value && !document.querySelector(".busy"); }, want, { what: `a step near ${want} shown` });
      return page.evaluate(() => (window as any).genie.snap.value.step as number);
    };
    await page.click(x + width * 0.25, y + height / 2);
    let at = await shownNear(0.25);
    expect(await shownClasses()).toEqual(await freshClasses("datagram", await shownSettings(), at));
    await page.drag([[x + width * 0.3, y + height / 2], [x + width * 0.45, y + height / 2], [x + width * 0.6, y + height / 2]]);
    at = await shownNear(0.6);
    expect(await shownClasses()).toEqual(await freshClasses("datagram", await shownSettings(), at));
    expect(await wrongCells()).toEqual([[], []]);
  });

  it("opens every panel on the run shown: counters, page tables, NIC rings, packets, trace, the comparison of the semantics, the editor, the tours", async () => {
    await settled();
    const panels: [string, string][] = [
      ["counters", "#counters tbody tr"], ["pages", ".page"], ["rings", "details summary"], ["packets", ".plist li"],
      ["trace", "pre.trace"], ["compare", ".view button"], ["editor", "#editor .cm-content"], ["tours", "button[data-tour]"],
    ];
    for (const [tab, shows] of panels) {
      await clickTab(tab);
      await page.waitFor((sel) => document.querySelector(sel), shows, { what: `the ${tab} panel to show ${shows}` });
    }
    // The comparison runs the scenario under every semantics in the worker and charts each.
    await clickTab("compare");
    await page.evaluate(() => (document.querySelector(".view button") as HTMLButtonElement).click());
    await page.waitFor(() => document.querySelectorAll("#compare svg g").length >= 4 && !document.querySelector(".busy"), undefined, { what: "the comparison's charts" });
    const { shown, want } = await page.evaluate(() => ({
      shown: Array.from(new Set(Array.from(document.querySelectorAll("#compare svg text.lbl"), (t) => t.textContent))),
      want: (window as any).genie.variants() as string[],
    }));
    expect(shown).toEqual(want);
    expect(want).toContain("emulated-copy");
    // Every bar has its value, none an error.
    expect(await page.evaluate(() => Array.from(document.querySelectorAll("#compare svg text.val"), (t) => t.textContent).filter((v) => !/^[\d.]+$/.test(v ?? "")))).toEqual([]);
  });

  it("runs from the start to the end with the keyboard alone, as fast as it goes, invariants holding", async () => {
    await settled();
    const n = await page.evaluate(() => (window as any).genie.total.value as number);
    await page.evaluate(() => {
      const s = document.querySelector("#speed") as HTMLSelectElement;
      s.value = "0";
      s.dispatchEvent(new Event("change", { bubbles: true }));
      (document.activeElement as HTMLElement | null)?.blur();
    });
    await page.press("Home");
    await stepIs(0);
    await page.press("Space");
    await page.waitFor((n) => (window as any).genie.step.value === n && !(window as any).genie.playing.value, n, { ms: 30_000, what: `the run to reach step ${n}` });
    await page.press("?");
    await page.waitFor(() => document.querySelector("#help"), undefined, { what: "the keys' help" });
    await page.press("Escape");
    await page.waitFor(() => !document.querySelector("#help"), undefined, { what: "the help closed" });
    expect(await page.evaluate(() => (window as any).genie.snap.value.machines.map((m: any) => m.invariants.violations))).toEqual([0, 0]);
  });

  it("every tour reaches its last stop; the receive tour marks the patched header bytes in b's RAM", async () => {
    await settled();
    for (const name of ["tcow", "receive", "mapped"]) {
      await clickTab("tours");
      await page.evaluate((name) => (document.querySelector(`button[data-tour="${name}"]`) as HTMLButtonElement).click(), name);
      for (let i = 0; i < 8; i++) {
        await page.waitFor(() => document.querySelector("#tour-next:not([disabled]), #tour-end"), undefined, { what: `the ${name} tour's next stop` });
        if (await page.evaluate(() => !!document.querySelector("#tour-end"))) break;
        await page.evaluate(() => (document.querySelector("#tour-next") as HTMLButtonElement).click());
      }
      await page.waitFor(() => document.querySelector("#tour-end"), undefined, { what: `the ${name} tour's end` });
      await settled();
      expect(await page.evaluate(() => document.querySelector("#message")!.textContent)).not.toMatch(/Error/);
      if (name === "receive") {
        await page.waitFor(() => document.querySelector("#patch-hex mark"), undefined, { what: "the patched bytes marked" });
        const { len, marks } = await page.evaluate(() => ({ len: (window as any).genie.snap.value.patches.at(-1).len as number, marks: document.querySelectorAll("#patch-hex mark").length }));
        expect(len).toBeGreaterThanOrEqual(34);
        expect(marks).toBe(2 * len); // hex and text columns
        await page.screenshot(`${SHOTS}/firefox-tour-receive.png`);
      }
      await page.evaluate(() => Array.from(document.querySelectorAll("#tour button")).find((b) => b.textContent === "Close")!.dispatchEvent(new MouseEvent("click", { bubbles: true })));
      await page.waitFor(() => !document.querySelector("#tour"), undefined, { what: "the tour closed" });
    }
  });

  it("runs an editor script in the worker and names the line of a thrown error; its share link opens the same run; a script that never ends is stopped", async () => {
    await settled();
    await clickTab("editor");
    await page.waitFor(() => (window as any).genie.editor?.dom.isConnected, undefined, { what: "the editor on screen" });
    const run = async (tab: Tab, text: string) => {
      await tab.evaluate((t) => {
        const v = (window as any).genie.editor;
        v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: t } });
        (document.querySelector("#run-script") as HTMLButtonElement).click();
      }, text);
      await tab.waitFor(() => !document.querySelector(".busy") && (document.querySelector("#script-error") || /steps recorded/.test(document.querySelector("#message")?.textContent ?? "")), undefined, { what: "the script's run" });
    };
    const script = `const m = await world.machine({ name: "solo" });\nconst p = m.spawn();\nconst va = p.mmap(3 * PAGE_SIZE);\np.store(va, [1, 2, 3]);\nhooks.log("stored " + p.load(va, 3).join(","));\n`;
    await run(page, script);
    expect(await page.evaluate(() => document.querySelector(".log")?.textContent)).toContain("stored 1,2,3");
    // The editor in the page's colours (here the dark ones): its background and a keyword's.
    const colours = await page.evaluate(editorColours);
    expect(colours.background[0]).toBe(colours.background[1]);
    expect(colours.keyword[0]).toBe(colours.keyword[1]);
    const steps = await page.evaluate(() => (window as any).genie.total.value as number);
    expect(steps).toBeGreaterThan(2);
    // The share link, opened in a new tab, holds the script and gives the same run.
    const link = await page.evaluate(() => { (document.querySelector("#share") as HTMLButtonElement).click(); return location.href; });
    expect(link).toMatch(/#s=/);
    const again = await firefox.tab();
    await again.goto(link);
    await again.waitFor((n) => (window as any).genie.total.value === n && !document.querySelector(".busy"), steps, { what: `the shared run's ${steps} steps` });
    expect(await again.evaluate(() => (window as any).genie.editor.state.doc.toString())).toBe(script);
    // A script that never ends is stopped (the worker is replaced), and the simulator works after.
    await again.goto(`${url}?budget=1500#${encodeShare({ scenario: "datagram", settings: {}, script: "for (;;) {}\n" })}`);
    await again.waitFor(() => /stopped: the run took longer/.test(document.querySelector("#message")?.textContent ?? ""), undefined, { ms: 20_000, what: "the never-ending script stopped" });
    await again.waitFor(() => (window as any).genie.editor?.dom.isConnected, undefined, { what: "the editor on screen" });
    await run(again, script);
    expect(await again.evaluate(() => (window as any).genie.total.value)).toBe(steps);
    await again.close();
    // A script that throws: its line is named.
    await run(page, `const m = await world.machine();\nthrow new Error("boom");\n`);
    expect(await page.evaluate(() => document.querySelector("#script-error")?.textContent)).toMatch(/line 2: Error: boom/);
    await page.screenshot(`${SHOTS}/firefox-script.png`);
  });

  it("a damaged link gives a message and the default scenario", async () => {
    const tab = await firefox.tab();
    await tab.goto(`${url}#s=not-base64!`);
    await tab.waitFor(() => /damaged|not a shared/.test(document.querySelector("#message")?.textContent ?? ""), undefined, { what: "the damaged link's message" });
    expect(await tab.evaluate(() => (document.querySelector("#scenario") as HTMLSelectElement).value)).toBe("datagram");
    await tab.close();
  });
});

describe("assignment page in Firefox", () => {
  it("compiles the solved page-tables file in the page and grades it at full marks, check by check as genie grade scores the repository", async () => {
    const cli = cliGrade();
    cli.catch(() => {}); // (a rejection is reported where it is awaited)
    const tab = await firefox.tab();
    await tab.goto(`${url}assign.html?timeout=3#pagetable`);
    await tab.waitFor(() => document.querySelector("#assign-editor .cm-content") && (window as any).genieAssign?.view(), undefined, { what: "the assignment's editor" });
    expect(await tab.evaluate(() => document.querySelector(".handout h2")?.textContent)).toMatch(/Assignment 1 — Page tables/);
    await tab.evaluate((text) => {
      const v = (window as any).genieAssign.view();
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text } });
      (document.querySelector("#grade") as HTMLButtonElement).click();
    }, readFileSync(join(root, "vm/pmap.ts"), "utf8"));
    await tab.waitFor(() => document.querySelector("#total") && !(window as any).genieAssign.busy.value, undefined, { ms: 120_000, what: "the grade report" });
    const shown = await tab.evaluate(() => (window as any).genieAssign.report.value as GradeReport);
    const want = await cli;
    expect(want.score).toBe(want.max);
    expect(verdict(shown)).toEqual(verdict(want));
    // The editor's long lines scroll inside it: the page fits the window's width.
    expect(await tab.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await tab.screenshot(`${SHOTS}/firefox-assign.png`);
    await tab.close();
  });
});

it("printed no console error or warning and threw nothing, on any page", () => {
  expect(problems.map((p) => `${p.type} ${p.level}: ${p.text}${p.where ? ` (${p.where})` : ""}`)).toEqual([]);
});
