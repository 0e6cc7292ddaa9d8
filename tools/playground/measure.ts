// tools/playground/measure.ts — how fast the playground is, measured in Chromium on the built
// site (npm run build, then npm run measure:playground). Wall-clock figures vary from run to
// run and machine to machine; nothing simulated depends on them.
//
//   first visible  page load until the first scenario's frames map and message are shown
//   time travel    a jump to a random step of a 1 MiB datagram, until its picture is shown
//   run mode       playing a 1 MiB datagram from step 0 to its end as fast as it goes (once to
//                  warm up, then FILMS times, 5 or --films N): simulated events (steps) per second, and the
//                  pictures drawn per second (fps)
//
// The goals (docs: README.md, The playground): first visible <= 2 s, time travel <= 200 ms,
// run mode >= 100,000 events/s at >= 30 fps.
//
// With --compare DIR it measures another built site (an older build/playground) first, in the
// same run, so that the two can be compared on a machine whose load changes.

import { chromium, type Browser } from "playwright-core";
import { serve } from "./serve";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Films counted after the warm-up one (--films N). */
const FILMS = Number(process.argv[process.argv.indexOf("--films") + 1]) || 5;

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
    console.log(`time travel, 1 MiB datagram (${total} steps), 12 jumps: median ${median(jumps).toFixed(0)} ms, max ${Math.max(...jumps).toFixed(0)} ms (goal <= 200 ms)`);

    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("Home");
    await page.waitForFunction(() => (window as any).genie.step.value === 0);
    await page.selectOption("#speed", "0");
    // The film FILMS times after a warm-up (a 1 MiB run lasts well under a second): steps and pictures summed.
    const film = { s: 0, steps: 0, pictures: 0 };
    for (let i = 0; i <= FILMS; i++) {
      const one = await page.evaluate(async () => {
        const g = (window as any).genie;
        await g.goto(0);
        let pictures = 0, last = g.snap.value;
        const t0 = performance.now();
        document.querySelector<HTMLButtonElement>("#play")!.click();
        await new Promise<void>((done) => {
          const tick = () => {
            if (g.snap.value !== last) (pictures++, (last = g.snap.value));
            if (g.step.value === g.total.value && !g.playing.value) done();
            else requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        });
        return { s: (performance.now() - t0) / 1000, steps: g.total.value as number, pictures };
      });
      if (i === 0) continue;
      film.s += one.s;
      film.steps += one.steps;
      film.pictures += one.pictures;
    }
    console.log(`run mode, 1 MiB datagram ${FILMS} times: ${film.steps} events in ${film.s.toFixed(2)} s = ${Math.round(film.steps / film.s)} events/s (goal >= 100000), ${(film.pictures / film.s).toFixed(1)} fps (goal >= 30)`);
  } finally {
    await page.close();
    server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
