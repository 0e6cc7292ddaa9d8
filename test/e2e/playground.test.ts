// The playground in a real browser (Debian's Chromium through playwright-core), against the
// built site (npm run build): what the page shows is what the kernel does headless in Node.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { existsSync, mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { serve } from "../../tools/playground/serve";
import { CLASS_COLORS, encodeShare } from "../../tools/playground/views";
import { FrameClass } from "../../tools/playground/engine";
import { cellProbes, editorColours, freshClasses, headlessCounters, wrongCellsOf } from "./headless";

const SHOTS = "build/e2e";
let server: Server, url: string, browser: Browser;
/** The page most tests share (a page load costs seconds on a busy machine); they leave it at
 *  the default scenario and settings. */
let shared: Page;
const problems: string[] = [];

async function open(path = ""): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`uncaught: ${e.message}`));
  await page.goto(url + path);
  await page.waitForSelector("canvas.framemap");
  return page;
}

/** settled: the page has shown a message for its last run and is not busy. */
async function settled(page: Page) {
  await page.waitForFunction(() => !document.querySelector(".busy") && document.querySelector("#message"));
}

const totalOf = (page: Page) => page.evaluate(() => (window as any).genie.total.value as number);

/** The settings of the run the page shows. */
const shownSettings = (page: Page) => page.evaluate(() => (window as any).genie.recording.value.settings as Record<string, unknown>);

/** wrongCells: per machine, the frames whose cell on the frames map (in its middle) is not
 *  drawn in the colour of the frame's class in the snapshot shown, once the page has painted. */
async function wrongCells(page: Page): Promise<number[][]> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
  const all: number[][] = await page.evaluate(() => (window as any).genie.snap.value.machines.map((m: any) => Array.from(m.classes as Uint8Array)));
  return Promise.all(cellProbes(all).map((p) => page.evaluate(wrongCellsOf, p)));
}

beforeAll(async () => {
  if (!existsSync("build/playground/index.html")) throw new Error("build/playground is missing: run npm run build first");
  mkdirSync(SHOTS, { recursive: true });
  ({ server, url } = await serve("build/playground"));
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  shared = await open();
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe("playground", () => {
  it("shows, at the end of the datagram scenario, the counters a headless run in Node gives (copy and emulated copy)", async () => {
    const page = shared;
    await settled(page);
    for (const semantics of ["copy", "emulated-copy"]) {
      await page.selectOption('select[data-setting="semantics"]', semantics);
      await page.waitForFunction((sem) => (window as any).genie.recording.value?.settings.semantics === sem && !document.querySelector(".busy"), semantics);
      await page.click('button[data-tab="counters"]');
      const shown = await page.$$eval("#counters tbody tr", (rows) => rows.map((r) => [r.getAttribute("data-counter"), ...Array.from(r.querySelectorAll("td[data-machine]"), (td) => Number(td.textContent))]));
      const want = await headlessCounters("datagram", { semantics });
      expect(shown.length).toBe(Object.keys(want[0]).length);
      for (const [name, a, b] of shown) expect([name, a, b]).toEqual([name, want[0][name as string], want[1][name as string]]);
      await page.screenshot({ path: `${SHOTS}/datagram-${semantics}.png` });
    }
  });

  it("stepping forward then back shows the frames map of a fresh run stopped at that step; the canvas draws every frame in its class's colour after any jump", async () => {
    const page = shared;
    await settled(page);
    await page.click('button[data-tab="frames"]');
    // The keys go to the page, not to the control clicked last.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("Home");
    await page.waitForFunction(() => (window as any).genie.step.value === 0);
    const timeline = await page.$("#timeline");
    await timeline!.evaluate((el: HTMLInputElement) => { el.value = "120"; el.dispatchEvent(new Event("input", { bubbles: true })); });
    await page.waitForFunction(() => (window as any).genie.step.value === 120);
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
    await page.waitForFunction(() => (window as any).genie.step.value === 123);
    for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowLeft");
    await page.waitForFunction(() => (window as any).genie.step.value === 118);
    const shown = await page.evaluate(() => (window as any).genie.snap.value.machines.map((m: any) => Array.from(m.classes as Uint8Array)));
    expect(shown).toEqual(await freshClasses("datagram", await shownSettings(page), 118));
    // The canvas shows it: frame 0 (the kernel's) is drawn in the kernel's colour.
    const px = await page.$eval("canvas.framemap", (c: HTMLCanvasElement) => Array.from(c.getContext("2d")!.getImageData(1, 1, 1, 1).data.slice(0, 3)));
    expect(px).toEqual([90, 90, 110]);
    // To the end and back: at each, every frame's cell, in its middle, shows its class's colour
    // in the snapshot shown: the canvas, painted over at each step, not made anew, shows that
    // step alone.
    await page.keyboard.press("End");
    await page.waitForFunction(() => (window as any).genie.step.value === (window as any).genie.total.value);
    expect(await wrongCells(page)).toEqual([[], []]);
    await timeline!.evaluate((el: HTMLInputElement) => { el.value = "118"; el.dispatchEvent(new Event("input", { bubbles: true })); });
    await page.waitForFunction(() => (window as any).genie.step.value === 118);
    expect(await wrongCells(page)).toEqual([[], []]);
    await page.click("canvas.framemap", { position: { x: 2, y: 2 } });
    await page.waitForSelector("#frame-detail");
    expect(await page.textContent("#frame-detail")).toContain("frame 0");
    // The steps above were fetched for the frames map alone; the trace comes when its panel opens.
    expect(await page.evaluate(() => (window as any).genie.snap.value.trace)).toBeNull();
    await page.click('button[data-tab="trace"]');
    await page.waitForSelector("pre.trace");
    expect(await page.evaluate(() => (window as any).genie.snap.value.trace.length)).toBeGreaterThan(0);
  });

  it("clicking and dragging on the timeline strip travels to the step under the pointer: the frames map of a fresh run stopped there", async () => {
    const page = shared;
    await settled(page);
    await page.click('button[data-tab="frames"]');
    const n = await totalOf(page);
    const box = (await page.$("#strip"))!.boundingBox();
    const { x, y, width, height } = (await box)!;
    // The strip has marks drawn: kernel entries at least, in the top row.
    const inked = await page.$eval("#strip", (c: HTMLCanvasElement) => Array.from(c.getContext("2d")!.getImageData(0, 0, c.width, 10).data).filter((v, i) => i % 4 === 3 && v > 0).length);
    expect(inked).toBeGreaterThan(10);
    await page.mouse.click(x + width * 0.25, y + height / 2);
    await page.waitForFunction((want) => Math.abs((window as any).genie.step.value - want) <= 2, Math.round(n * 0.25));
    await page.mouse.move(x + width * 0.3, y + height / 2);
    await page.mouse.down();
    await page.mouse.move(x + width * 0.5, y + height / 2, { steps: 5 });
    await page.mouse.move(x + width * 0.6, y + height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction((want) => Math.abs((window as any).genie.step.value - want) <= 2 && !document.querySelector(".busy"), Math.round(n * 0.6));
    // The last request wins: wait until the picture is that of the step asked for last.
    await page.waitForFunction(() => { const g = (window as any).genie; return g.snap.value.step === g.step.value; });
    await page.waitForTimeout(100);
    const { at, shown } = await page.evaluate(() => { const g = (window as any).genie; return { at: g.snap.value.step as number, shown: g.snap.value.machines.map((m: any) => Array.from(m.classes as Uint8Array)) }; });
    expect(shown).toEqual(await freshClasses("datagram", await shownSettings(page), at));
  });

  it("runs an editor script, reports a thrown error with its line, and round-trips the share link", async () => {
    const page = await open("?budget=2500");
    await settled(page);
    await page.click('button[data-tab="editor"]');
    await page.waitForSelector("#editor .cm-content");
    const setScript = (text: string) => page.evaluate((t) => { const v = (window as any).genie.editor; v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: t } }); }, text);
    const script = `const m = await world.machine({ name: "solo" });\nconst p = m.spawn();\nconst va = p.mmap(3 * PAGE_SIZE);\np.store(va, [1, 2, 3]);\nhooks.log("stored");\n`;
    await setScript(script);
    // The editor in the page's colours (here the light ones): its background and a keyword's.
    const colours = await page.evaluate(editorColours);
    expect(colours.background[0]).toBe(colours.background[1]);
    expect(colours.keyword[0]).toBe(colours.keyword[1]);
    await page.click("#run-script");
    await page.waitForFunction(() => (window as any).genie.recording.value && !document.querySelector(".busy") && /steps recorded/.test(document.querySelector("#message")!.textContent!));
    const steps = await totalOf(page);
    expect(steps).toBeGreaterThan(2);
    expect(await page.textContent(".log")).toContain("stored");
    await page.click("#share");
    const shared = page.url();
    expect(shared).toMatch(/#s=/);
    // The shared link opens the same script with the same run.
    const again = await open(shared.slice(url.length));
    await settled(again);
    expect(await totalOf(again)).toBe(steps);
    expect(await again.evaluate(() => (window as any).genie.editor.state.doc.toString())).toBe(script);
    await again.close();
    // A script that throws: its line is named.
    await setScript(`const m = await world.machine();\nthrow new Error("boom");\n`);
    await page.click("#run-script");
    await page.waitForSelector("#script-error");
    expect(await page.textContent("#script-error")).toMatch(/line 2: Error: boom/);
    // A script that never ends is stopped, and the simulator works again after.
    await setScript(`for (;;) {}\n`);
    await page.click("#run-script");
    await page.waitForFunction(() => /stopped: the run took longer/.test(document.querySelector("#message")?.textContent ?? ""), null, { timeout: 10_000 });
    await setScript(script);
    await page.click("#run-script");
    await page.waitForFunction((n) => (window as any).genie.total.value === n && !document.querySelector(".busy"), steps);
    await page.close();
  });

  it("a damaged link gives a message and the default scenario", async () => {
    const page = await open("#s=not-base64!");
    await page.waitForFunction(() => /damaged|not a shared/.test(document.querySelector("#message")?.textContent ?? ""));
    expect(await page.inputValue("#scenario")).toBe("datagram");
    await page.close();
  });

  it("runs from the start to the end with the keyboard alone, as fast as it goes, invariants holding", async () => {
    const page = shared;
    await settled(page);
    const n = await totalOf(page);
    await page.selectOption("#speed", "0");
    await page.focus("body");
    await page.keyboard.press("Home");
    await page.waitForFunction(() => (window as any).genie.step.value === 0);
    await page.keyboard.press("Space");
    await page.waitForFunction((n) => (window as any).genie.step.value === n, n, { timeout: 15_000 });
    await page.keyboard.press("?");
    await page.waitForSelector("#help");
    await page.keyboard.press("Escape");
    expect(await page.evaluate(() => (window as any).genie.snap.value.machines.map((m: any) => m.invariants.violations))).toEqual([0, 0]);
  });

  it("every tour reaches its last stop", async () => {
    const page = shared;
    await settled(page);
    for (const name of ["tcow", "receive", "mapped"]) {
      await page.click('button[data-tab="tours"]');
      await page.click(`button[data-tour="${name}"]`);
      for (let i = 0; i < 5 && !(await page.$("#tour-end")); i++) {
        await page.waitForSelector("#tour-next:not([disabled]), #tour-end");
        if (await page.$("#tour-end")) break;
        await page.click("#tour-next");
      }
      await page.waitForSelector("#tour-end");
      await settled(page);
      expect(await page.textContent("#message")).not.toMatch(/Error/);
      if (name === "receive") {
        // Header patching: the bytes the driver put back are marked in b's RAM, on screen.
        await page.waitForSelector("#patch-hex mark");
        const { len, pa } = await page.evaluate(() => { const p = (window as any).genie.snap.value.patches.at(-1); return { len: p.len, pa: p.pa }; });
        expect(len).toBeGreaterThanOrEqual(34);
        expect(await page.$$eval("#patch-hex mark", (m) => m.length)).toBe(2 * len); // hex and text columns
        expect(await page.textContent("#patches")).toContain(`pa 0x${pa.toString(16)}`);
        const top = await page.$eval("#patch-hex mark", (m) => m.getBoundingClientRect().top);
        expect(top).toBeGreaterThan(0);
        expect(top).toBeLessThan(720);
      }
      await page.screenshot({ path: `${SHOTS}/tour-${name}.png` });
      await page.click("#tour button:has-text('Close')");
    }
    await page.close();
  });

  it("runs a peers workload under zio: the legend, the frames map and the page tables show zIO's colour", async () => {
    const link = encodeShare({ scenario: "proxy", settings: { scheme: "zio", bytes: 8 * 4096, messages: 1, fraction: 0 } });
    const page = await open(`#${link}`);
    await page.waitForFunction(() => (window as any).genie.recording.value?.settings.scheme === "zio" && !document.querySelector(".busy") && document.querySelector("#message"));
    expect(await page.textContent("#message")).toMatch(/steps recorded/);
    expect(await page.inputValue('select[data-setting="scheme"]')).toBe("zio");
    expect(await page.$$eval('select[data-setting="scheme"] option', (o) => o.map((x) => x.textContent))).toEqual(["copy", "zio", "emulated-copy", "io-lite"]);
    const zio = CLASS_COLORS[FrameClass.OWED];
    const legend = await page.$$eval(".legend span", (spans) => spans.map((s) => [s.textContent, getComputedStyle(s.querySelector("i")!).backgroundColor]));
    expect(legend).toContainEqual(["zIO source (owed, write-protected)", `rgb(${zio.join(", ")})`]);
    // machine a's map holds the 8 source frames the copies owe, drawn in zIO's colour
    const px = await page.$eval("canvas.framemap", (c: HTMLCanvasElement) => Array.from(c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data));
    let drawn = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] === zio[0] && px[i + 1] === zio[1] && px[i + 2] === zio[2]) drawn++;
    expect(drawn).toBeGreaterThan(0);
    await page.click('button[data-tab="pages"]');
    await page.waitForSelector(".page.owed");
    expect(await page.$$eval(".page.owed", (b) => b.length)).toBe(16);
    await page.screenshot({ path: `${SHOTS}/proxy-zio.png` });
    await page.close();
  });

  it("draws the README's picture: a 64 KiB datagram under emulated copy, its packets on the wire (docs/playground.png with GENIE_README_SHOT=1)", async () => {
    const link = encodeShare({ scenario: "datagram", settings: { semantics: "emulated-copy", bytes: 65536 } });
    const page = await open(`#${link}`);
    await page.waitForFunction(() => (window as any).genie.recording.value?.settings.bytes === 65536 && !document.querySelector(".busy") && document.querySelector("#message"));
    await page.evaluate(() => (window as any).genie.goto(47));
    await page.waitForFunction(() => (window as any).genie.step.value === 47 && !document.querySelector(".busy"));
    await page.click('button[data-tab="packets"]');
    await page.waitForSelector("#packet-hex");
    expect(await page.evaluate(() => (window as any).genie.snap.value.packets.length)).toBeGreaterThan(1);
    await page.screenshot({ path: `${SHOTS}/readme.png` });
    if (process.env.GENIE_README_SHOT === "1") await page.screenshot({ path: "docs/playground.png" });
    await page.close();
  });

  it("printed no console error or warning and threw nothing", () => {
    expect(problems).toEqual([]);
  });
});
