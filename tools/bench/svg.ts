// tools/bench/svg.ts — line charts as standalone SVG text, with no dependency: the benchmark
// report's latency-vs-size and throughput-vs-size figures.
//
//   +--------------------------------------------------------------+
//   | title                                                        |
//   |  y ticks |                                 |  legend         |
//   |          |   plot area: one polyline and   |  — series 1     |
//   |          |   markers per series            |  -- published   |
//   |          +---------------------------------+                 |
//   |            x ticks (sizes, log2 or linear)                    |
//   |                         x label                               |
//   +--------------------------------------------------------------+
//
// The output depends only on the data (coordinates rounded to 0.1 px), so the same numbers give
// the same file, byte for byte.

export interface Series {
  name: string;
  points: [number, number][];
  /** Drawn dashed, with hollow markers (e.g. published measurements beside ours). */
  dashed?: boolean;
  /** Index into the palette (default: the series' position among the solid ones). */
  color?: number;
}

export interface ChartOptions {
  title: string;
  /** A smaller second line under the title. */
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** x axis on a log2 scale (sizes) — default true. */
  xLog?: boolean;
  /** How x tick labels read (default: the number). */
  xFormat?: (x: number) => string;
  width?: number;
  height?: number;
}

/** Okabe–Ito: eight colours told apart by most readers, colour-blind ones included. */
export const PALETTE = ["#000000", "#e69f00", "#56b4e9", "#009e73", "#d55e00", "#0072b2", "#cc79a7", "#999999"];

const r1 = (x: number) => (Math.round(x * 10) / 10).toString();
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** niceStep: a 1, 2 or 5 x 10^k step giving about `count` intervals over [0, max]. */
export function niceStep(max: number, count = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** fmtTick: a tick value without float noise (0.30000000000000004 -> "0.3"), thousands as 1k. */
export function fmtTick(v: number): string {
  const s = Number(v.toPrecision(6));
  if (Math.abs(s) >= 10000 && s % 1000 === 0) return `${s / 1000}k`;
  return String(s);
}

/** lineChart: the SVG document of a line chart (see the top of this file). */
export function lineChart(o: ChartOptions): string {
  const W = o.width ?? 780, H = o.height ?? 440;
  const xLog = o.xLog ?? true;
  const left = 72, top = o.subtitle ? 56 : 40, legendW = 230, right = W - legendW - 16, bottom = H - 56;
  const all = o.series.flatMap((s) => s.points);
  if (all.length === 0) throw new Error(`lineChart "${o.title}": no points`);
  const xs = [...new Set(all.map((p) => p[0]))].sort((a, b) => a - b);
  const tx = (x: number) => (xLog ? Math.log2(x) : x);
  const x0 = tx(xs[0]), x1 = tx(xs[xs.length - 1]);
  const ymax = Math.max(...all.map((p) => p[1]));
  const step = niceStep(ymax * 1.05);
  const ytop = Math.ceil((ymax * 1.05) / step) * step || step;
  const px = (x: number) => (x1 === x0 ? (left + right) / 2 : left + ((tx(x) - x0) / (x1 - x0)) * (right - left));
  const py = (y: number) => bottom - (y / ytop) * (bottom - top);
  const fx = o.xFormat ?? ((x: number) => String(x));

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<title>${esc(o.title)}</title>`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="22" font-size="15" font-weight="bold">${esc(o.title)}</text>`);
  if (o.subtitle) out.push(`<text x="${left}" y="40" fill="#555">${esc(o.subtitle)}</text>`);
  // Grid and y ticks.
  for (let v = 0; v <= ytop + step / 2; v += step) {
    const y = r1(py(v));
    out.push(`<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmtTick(v)}</text>`);
  }
  // x ticks: one per measured size.
  for (const x of xs) {
    const X = r1(px(x));
    out.push(`<line x1="${X}" y1="${bottom}" x2="${X}" y2="${bottom + 5}" stroke="#333"/>`);
    out.push(`<text x="${X}" y="${bottom + 18}" text-anchor="middle">${esc(fx(x))}</text>`);
  }
  out.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`);
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`);
  out.push(`<text x="${r1((left + right) / 2)}" y="${H - 14}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${r1((top + bottom) / 2)}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  // Series.
  let solid = 0;
  const colors = o.series.map((s) => PALETTE[(s.color ?? (s.dashed ? 0 : solid++)) % PALETTE.length]);
  const drawOrder = o.series.map((_, i) => i).sort((a, b) => Number(!o.series[a].dashed) - Number(!o.series[b].dashed));
  for (const i of drawOrder) {
    const s = o.series[i];
    const c = colors[i];
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    const d = pts.map(([x, y]) => `${r1(px(x))},${r1(py(y))}`).join(" ");
    out.push(`<g><title>${esc(s.name)}</title>`);
    out.push(`<polyline points="${d}" fill="none" stroke="${c}" stroke-width="${s.dashed ? 1.5 : 2}"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    for (const [x, y] of pts)
      out.push(`<circle cx="${r1(px(x))}" cy="${r1(py(y))}" r="${s.dashed ? 4 : 3}" fill="${s.dashed ? "#ffffff" : c}" stroke="${c}" stroke-width="1.5"/>`);
    out.push(`</g>`);
  }
  // Legend.
  const lx = right + 20;
  o.series.forEach((s, i) => {
    const y = top + 8 + i * 20;
    out.push(`<line x1="${lx}" y1="${y}" x2="${lx + 26}" y2="${y}" stroke="${colors[i]}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    out.push(`<circle cx="${lx + 13}" cy="${y}" r="3" fill="${s.dashed ? "#ffffff" : colors[i]}" stroke="${colors[i]}" stroke-width="1.5"/>`);
    out.push(`<text x="${lx + 34}" y="${y}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
