// tools/bench/published.ts — the published numbers the benchmark report sets ours beside, the
// claims the report makes about them (and test/profiles.test.ts checks), and the vocabulary of
// a cost profile's sources.
//
// Every number here is quoted from the work cited next to it; nothing is estimated in this
// file. Estimates live in the profiles, marked "derived:" or "placeholder:".

/** A work we quote, as the report cites it. */
export interface Citation {
  key: string;
  text: string;
  url?: string;
}

export const GBN97: Citation = {
  key: "GBN '97",
  text: "J. C. Brustoloni and P. Steenkiste, abstract for the IEEE Gigabit Networking Workshop (GBN '97), Table 1 and text: end-to-end latency of single AAL5 packets between computers on the Credit Net ATM network at 513 Mbit/s raw transmission rate, with early demultiplexing",
  url: "http://www.ccrc.wustl.edu/pub/ieee-tcgn/conference/gbn97/brustoloni-abs.html",
};

export const OSDI96: Citation = {
  key: "OSDI '96",
  text: "J. C. Brustoloni and P. Steenkiste, \"Effects of Buffering Semantics on I/O Performance\", 2nd USENIX Symposium on Operating Systems Design and Implementation (OSDI '96), Seattle, 1996, abstract",
  url: "https://www.usenix.org/legacy/publications/library/proceedings/osdi96/brusto.html",
};

export const INFOCOM99: Citation = {
  key: "INFOCOM '99",
  text: "J. C. Brustoloni, \"Interoperation of Copy Avoidance in Network and File I/O\", IEEE INFOCOM '99, vol. 2, p. 534, abstract",
};

export const MSG_ZEROCOPY: Citation = {
  key: "msg_zerocopy.rst",
  text: "Linux kernel documentation, Documentation/networking/msg_zerocopy.rst (MSG_ZEROCOPY, Linux 4.14, 2017; derived from W. de Bruijn and E. Dumazet's paper at netdev 2.1, 2017)",
  url: "https://docs.kernel.org/networking/msg_zerocopy.html",
};

export const CAI21: Citation = {
  key: "SIGCOMM '21",
  text: "Q. Cai, S. Chaudhary, M. Vuppalapati, J. Hwang and R. Agarwal, \"Understanding Host Network Stack Overheads\", ACM SIGCOMM 2021, abstract: at 100 Gbit/s a single core can no longer process packets at line rate, the receiver's kernel-to-application data copy being the bottleneck",
};

/** The papers' three semantics whose latencies GBN '97 publishes. */
export type PublishedSemantics = "copy" | "emulated-copy" | "emulated-share";
export const PUBLISHED_SEMANTICS: readonly PublishedSemantics[] = ["copy", "emulated-copy", "emulated-share"];

/** A least-squares line: latency µs = slope (µs per byte) x bytes + intercept (µs). */
export interface Fit {
  slopeUsPerByte: number;
  interceptUs: number;
}

/**
 * GBN '97, Table 1: least-squares fits of the measured ("actual") end-to-end latencies for
 * 4–60 KB AAL5 packets at 513 Mbit/s with early demultiplexing, and the latencies the scaling
 * model of OSDI '96 estimates from its 155 Mbit/s measurements (OSDI '96, Table 6).
 */
export const GBN97_TABLE1: Record<PublishedSemantics, { actual: Fit; estimated: Fit }> = {
  copy: { actual: { slopeUsPerByte: 0.0561, interceptUs: 129 }, estimated: { slopeUsPerByte: 0.0581, interceptUs: 141 } },
  "emulated-copy": { actual: { slopeUsPerByte: 0.0212, interceptUs: 139 }, estimated: { slopeUsPerByte: 0.0205, interceptUs: 153 } },
  "emulated-share": { actual: { slopeUsPerByte: 0.0192, interceptUs: 119 }, estimated: { slopeUsPerByte: 0.0186, interceptUs: 137 } },
};

/** GBN '97, text: throughput of single 60 KB AAL5 packets, Mbit/s, measured and predicted. */
export const GBN97_60K_MBPS: Record<PublishedSemantics, { measured: number; predicted: number }> = {
  copy: { measured: 136, predicted: 132 },
  "emulated-copy": { measured: 341, predicted: 348 },
  "emulated-share": { measured: 380, predicted: 384 },
};

/** GBN '97, text: main-memory copy bandwidth of the computers used, Mbit/s. */
export const GBN97_COPY_MBPS = 351;
/** GBN '97, text: the Credit Net link's raw transmission rate, Mbit/s. */
export const GBN97_LINK_MBPS = 513;
/** The sizes GBN '97 measured: 4 KB to 60 KB (its Figure 1); the report's credit-net rows. */
export const GBN97_SIZES = [4096, 8192, 16384, 32768, 61440];

/** OSDI '96, abstract: the headline this reproduction checks (there at 155 Mbit/s). */
export const OSDI96_HEADLINE = "all non-copy semantics performed similarly, and ... only copy semantics had distinctly inferior performance";

/** publishedLatencyUs: GBN '97's fitted latency of an n-byte packet (actual, or the model's estimate). */
export function publishedLatencyUs(s: PublishedSemantics, bytes: number, which: "actual" | "estimated" = "actual"): number {
  const f = GBN97_TABLE1[s][which];
  return f.slopeUsPerByte * bytes + f.interceptUs;
}

// ---- Claims: what docs/results.md states and test/profiles.test.ts checks ---------------------

export const CLAIMS = {
  /** credit-net-1997: each simulated latency of copy, emulated copy and emulated share at
   *  4–60 KB lies within this fraction of GBN '97's fitted measurement. */
  latencyTolerance: 0.1,
  /** credit-net-1997: simulated 60 KB throughputs within this fraction of GBN '97's measured ones. */
  throughputTolerance: 0.1,
  /** credit-net-1997: at 60 KB every non-copy semantics' latency is within this fraction of
   *  emulated share's ("all non-copy semantics performed similarly"). */
  nonCopySpread: 0.15,
  /** credit-net-1997: at 60 KB copy takes at least this many times emulated share's latency
   *  ("only copy semantics had distinctly inferior performance"; GBN '97: 3576 / 1299 = 2.75). */
  copyFactor: 2,
  /** server-2025: the size where share's sender CPU time drops below copy's lies in this range
   *  (msg_zerocopy.rst: "MSG_ZEROCOPY is generally only effective at writes over around 10 KB"). */
  zerocopyCrossover: [8 * 1024, 16 * 1024] as [number, number],
} as const;

// ---- Sources in a cost profile ---------------------------------------------------------------

/**
 * Every source string of a calibrated profile starts with one of these markers:
 *   "published:"     the number is quoted from the work the source cites
 *   "derived:"       computed from published numbers; the source says how
 *   "placeholder:"   an estimate of the right order, with the reasoning; no calibration claim rests on it
 *   "by definition:" the CPU does not pay for this counter (0 ns), and why
 */
export const SOURCE_KINDS = ["published", "derived", "placeholder", "by definition"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** sourceKind: the marker a source string starts with, or null if it has none. */
export function sourceKind(source: string): SourceKind | null {
  for (const k of SOURCE_KINDS) if (source.startsWith(`${k}:`) && source.length > k.length + 10) return k;
  return null;
}
