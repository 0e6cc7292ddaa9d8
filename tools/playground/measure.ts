// tools/playground/measure.ts — how fast the playground is, measured in Chromium on the built
// site (npm run build, then npm run measure:playground). Wall-clock figures vary from run to
// run and machine to machine; nothing simulated depends on them.
//
//   first visible  page load until the first scenario's frames map and message are shown
//   time travel    a jump to a random step of a 1 MiB datagram, until its picture is shown
//   run mode       playing a run from step 0 to its end as fast as it goes (once to warm up,
//                  then FILMS times, 5 or --films N), with the invariants checked at each picture
//                  and then at every step (2 films at most): simulated events (steps) per second, and the pictures
//                  shown per second (fps); over whole films (click to end shown) and while running
//                  (first picture to last before the end). Three runs: the 1 MiB datagram (4,239
//                  steps, a film of well under a second), a long one (LONG_RUN, 49,218 steps),
//                  and the datagram again between machines of 256 MiB (BIG_RAM: frames maps of
//                  65,536 cells), which is also timed travelling
//
// The goals (docs: README.md, The playground): first visible <= 2 s, time travel <= 200 ms,
// run mode >= 100,000 events/s at >= 30 fps.
//
// With --compare DIR it measures another built site (an older build/playground) first, in the
// same run, so that the two can be compared on a machine whose load changes.

import { chromium, type Browser, type Page } from "playwright-core";
import { serve } from "./serve";
import { encodeShare } from "./views";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Films counted after the warm-up one (--films N). */
const FILMS = Number(process.argv[process.argv.indexOf("--films") + 1]) || 5;

/** The long run: the file server answering 64 requests of 1 MiB (49,218 steps). */
const LONG_RUN = { scenario: "fileserver", settings: { requests: 64, bytes: 1 << 20 } };
const LONG_RUN_NAME = "file server, 64 responses of 1 MiB";
/** The 1 MiB datagram between machines of 256 MiB (65,536 frames each). */
const BIG_RAM = { scenario: "datagram", settings: { bytes: 1 << 20, memory: 256 } };
const BIG_RAM_NAME = "1 MiB datagram, machines of 256 MiB (65,536 frames each)";

/** One film's figures: wall time, steps and pictures from the click to the end shown; and
 *  while it ran, from its first picture to its last before the end. */
interface Film {
  s: number;
  steps: number;
  pictures: number;
  running: { s: number; steps: number; pictures: number };
}

/**
 * runMode: the run at hand played from step 0 to its end as fast as it goes, once to warm up
 * and then FILMS times, with the invariants checked at each picture and then at every step.
 * A picture is counted when the page shows a new snapshot at an animation frame (the views
 * drawn from it); events are the run's steps.
 */
async function runMode(page: Page, name: string) {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press("Home");
  await page.waitForFunction(() => (window as any).genie.step.value === 0);
  await page.selectOption("#speed", "0");
  for (const everyStep of [false, true]) {
    await page.setChecked("#check-every-step", everyStep);
    const sum: Film = { s: 0, steps: 0, pictures: 0, running: { s: 0, steps: 0, pictures: 0 } };
    // At every step a film is several times longer: fewer of them.
    const films = everyStep ? Math.min(FILMS, 2) : FILMS;
    for (let i = 0; i <= films; i++) {
      const one: Film = await page.evaluate(async () => {
        const g = (window as any).genie;
        await g.goto(0);
        const shown: { t: number; step: number }[] = [];
        let last = g.snap.value;
        const t0 = performance.now();
        document.querySelector<HTMLButtonElement>("#play")!.click();
        await new Promise<void>((done) => {
          const tick = () => {
            if (g.snap.value !== last) (last = g.snap.value), shown.push({ t: performance.now(), step: last.step });
            if (g.step.value === g.total.value && !g.playing.value) done();
            else requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        });
        const total = g.total.value as number;
        const mid = shown.filter((p) => p.step > 0 && p.step < total);
        const a = mid[0], b = mid[mid.length - 1];
        const running = mid.length >= 2 ? { s: (b.t - a.t) / 1000, steps: b.step - a.step, pictures: mid.length - 1 } : { s: 0, steps: 0, pictures: 0 };
        return { s: (performance.now() - t0) / 1000, steps: total, pictures: shown.length, running };
      });
      if (i === 0) continue;
      sum.s += one.s;
      sum.steps += one.steps;
      sum.pictures += one.pictures;
      sum.running.s += one.running.s;
      sum.running.steps += one.running.steps;
      sum.running.pictures += one.running.pictures;
    }
    const rate = (x: { s: number; steps: number; pictures: number }) => x.s > 0 ? `${Math.round(x.steps / x.s)} events/s, ${(x.pictures / x.s).toFixed(1)} fps` : "too short to tell";
    console.log(`run mode, ${name}, invariants ${everyStep ? "at every step" : "at each picture"}, ${films} films: ${sum.steps} events in ${sum.s.toFixed(2)} s = ${rate(sum)}; while running (first picture to last): ${rate(sum.running)} (goal >= 100000 events/s, >= 30 fps)`);
  }
  await page.setChecked("#check-every-step", false);
}

async function main() {
  const at = process.argv.indexOf("--compare");
  const sites = at > 0 ? [process.argv[at + 1], "build/playground"] : ["build/playground"];
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  try {
    for (const dir of sites) await measure(browser, dir);
  } finally {
    await browser.close();
  }
}

async function measure(browser: Browser, dir: string) {
  console.log(`${dir}:`);
  const { server, url } = await serve(dir);
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  try {
    const loads: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      await page.goto(url);
      await page.waitForFunction(() => document.querySelector("canvas.framemap") && /steps recorded/.test(document.querySelector("#message")?.textContent ?? ""));
      loads.push(Date.now() - t0);
    }
    console.log(`first visible: median ${median(loads)} ms of ${loads.join(", ")} (goal <= 2000 ms)`);

    await page.fill('input[data-setting="bytes"]', String(1 << 20));
    await page.press('input[data-setting="bytes"]', "Enter");
    await page.waitForFunction(() => (window as any).genie.recording.value?.settings.bytes === 1 << 20 && !document.querySelector(".busy"), null, { timeout: 60_000 });
    await timeTravel(page, "1 MiB datagram");
    await runMode(page, "1 MiB datagram");

    // A long run, so that the fixed cost of a film (booting and filling the machines, the
    // scenario's own checks, the last picture with every view) does not hide the rate while it runs.
    await load(page, url, LONG_RUN);
    await runMode(page, LONG_RUN_NAME);

    // Machines of 256 MiB: a frames map of 65,536 cells each.
    await load(page, url, BIG_RAM);
    await timeTravel(page, BIG_RAM_NAME);
    await runMode(page, BIG_RAM_NAME);
  } finally {
    await page.close();
    server.close();
  }
}

/** load: the page at url with spec's scenario and settings in its fragment, once recorded. */
async function load(page: Page, url: string, spec: object) {
  await page.goto("about:blank"); // a new fragment alone would not load the page again
  await page.goto(url + "#" + encodeShare(spec as any));
  await page.waitForFunction(() => (window as any).genie.total.value > 0 && !document.querySelector(".busy"), null, { timeout: 120_000 });
}

/** timeTravel: 12 jumps to steps drawn at random (a fixed seed), each until its picture is shown. */
async function timeTravel(page: Page, name: string) {
  const total: number = await page.evaluate(() => (window as any).genie.total.value);
  const jumps: number[] = await page.evaluate(async (total) => {
    const g = (window as any).genie, out: number[] = [];
    let seed = 7;
    for (let i = 0; i < 12; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = seed % (total + 1);
      const t0 = performance.now();
      await g.goto(n);
      await new Promise((r) => requestAnimationFrame(r));
      out.push(performance.now() - t0);
    }
    return out;
  }, total);
  console.log(`time travel, ${name} (${total} steps), 12 jumps: median ${median(jumps).toFixed(0)} ms, max ${Math.max(...jumps).toFixed(0)} ms (goal <= 200 ms)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
