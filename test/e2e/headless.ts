// test/e2e/headless.ts — what the playground must show, from the same runs headless in Node, and
// the page-side check of its frames map: the end-to-end tests in Chromium and in Firefox compare
// the page against these.
import { loadKernel } from "../../tools/host/node";
import { Engine } from "../../tools/playground/engine";
import { CLASS_COLORS, FRAMEMAP_WIDTH, gridOf } from "../../tools/playground/views";
import { resolveSettings, runScenario, scenarioByName, scenarioWorld } from "../../tools/scenarios/index";

/** headlessCounters: each machine's counters at the end of scenario run in Node with the
 *  settings given (the rest at their defaults), by counter name. */
export async function headlessCounters(scenario: string, settings: Record<string, string | number | boolean>): Promise<Record<string, number>[]> {
  const s = scenarioByName(scenario);
  const resolved = resolveSettings(s.settings, settings);
  const world = scenarioWorld(await loadKernel(), resolved);
  await runScenario(s, resolved, world);
  return world.machines.map((m) => m.counters() as unknown as Record<string, number>);
}

/** freshClasses: each machine's frame classes at step of a fresh recording of scenario with
 *  these settings (the rest at their defaults), stopped there. */
export async function freshClasses(scenario: string, settings: Record<string, unknown>, step: number): Promise<number[][]> {
  const engine = new Engine(await loadKernel());
  await engine.record({ scenario, settings });
  return (await engine.goto(step)).machines.map((m) => Array.from(m.classes));
}

/** The argument of wrongCellsOf for one machine's frames map. */
export interface CellProbe {
  selector: string; // its canvas
  cols: number; // cells per row
  cell: number; // a cell's side in canvas pixels
  colours: number[][]; // the colour [r, g, b] each frame must show
}

/** cellProbes: the probes of the frames maps that show machines whose frames have these classes. */
export function cellProbes(classes: number[][]): CellProbe[] {
  return classes.map((c, mi) => {
    const g = gridOf(c.length, FRAMEMAP_WIDTH);
    return { selector: `canvas.framemap[data-machine="${mi}"]`, cols: g.cols, cell: g.cell, colours: c.map((k) => [...CLASS_COLORS[k]]) };
  });
}

/** wrongCellsOf (run in the page): the frames whose cell on the probed canvas is not drawn, in
 *  its middle, in the frame's colour. It reads back a copy, not the page's own canvas (Chromium
 *  warns on the console when a canvas is read back again and again). Self-contained: the
 *  browser runs its text. */
export function wrongCellsOf(p: CellProbe): number[] {
  const c = document.querySelector(p.selector) as HTMLCanvasElement;
  const copy = document.createElement("canvas");
  copy.width = c.width;
  copy.height = c.height;
  const ctx = copy.getContext("2d")!;
  ctx.drawImage(c, 0, 0);
  const px = ctx.getImageData(0, 0, c.width, c.height).data, wrong: number[] = [];
  p.colours.forEach((rgb, f) => {
    const at = ((Math.floor(f / p.cols) * p.cell + (p.cell >> 1)) * c.width + (f % p.cols) * p.cell + (p.cell >> 1)) * 4;
    if (px[at] !== rgb[0] || px[at + 1] !== rgb[1] || px[at + 2] !== rgb[2]) wrong.push(f);
  });
  return wrong;
}

/** editorColours (run in the page, the Script panel open): the script editor's background and
 *  the colour of its first `const`, each with the page variable it must be drawn in, resolved
 *  (--panel, --syn-keyword: the page's light or dark colours, not CodeMirror's light defaults). */
export function editorColours(): { background: string[]; keyword: string[] } {
  const resolve = (v: string) => {
    const probe = document.createElement("span");
    probe.style.color = `var(${v})`;
    document.body.append(probe);
    const c = getComputedStyle(probe).color;
    probe.remove();
    return c;
  };
  const editor = document.querySelector("#editor .cm-editor")!;
  const kw = Array.from(document.querySelectorAll("#editor .cm-content span")).find((s) => s.textContent === "const")!;
  return { background: [getComputedStyle(editor).backgroundColor, resolve("--panel")], keyword: [getComputedStyle(kw).color, resolve("--syn-keyword")] };
}
