// test/fuzz/program.ts — the fuzzer's programs: a world configuration and a list of abstract
// commands, and the fast-check arbitraries that generate them.
//
// A command names no address, descriptor or pid: it holds small numbers that the runner reads
// against the model's state when it runs (the p-th live process of machine m, the r-th region
// of that process, an offset as a fraction of it...). Removing a command while shrinking
// leaves every other command meaningful, so fast-check shrinks programs well.

import fc from "fast-check";

export const OPS = [
  "mmap", "munmap", "mprotect", "fork", "exit", "store", "load", "send", "recv", "channel",
  "open", "close", "read", "write", "lseek", "ftruncate", "unlink", "fsync", "fmmap", "msync",
  "pswap", "step", "settle", "race", "iolalloc", "iolwrite", "iolread", "iolfree", "iolload", "iolstore",
] as const;
export type Op = (typeof OPS)[number];

/** A command: its operation and six small numbers the runner interprets per operation. */
export interface Cmd {
  op: Op;
  m: number; // machine: 0 or 1
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
}

export interface Config {
  /** Both NICs: MTU, header split, checksum offload, early demultiplexing. */
  mtu: number;
  headerSplit: boolean;
  checksumOffload: boolean;
  earlyDemux: boolean;
  /** RAM of each machine, MiB. */
  memoryMiB: number;
}

export interface Program {
  config: Config;
  cmds: Cmd[];
}

// How often each operation is drawn (relative weights).
const WEIGHTS: Record<Op, number> = {
  mmap: 6, munmap: 2, mprotect: 2, fork: 2, exit: 1, store: 14, load: 14, send: 12, recv: 10,
  channel: 1, open: 5, close: 1, read: 5, write: 6, lseek: 2, ftruncate: 2, unlink: 1, fsync: 1,
  fmmap: 3, msync: 1, pswap: 3, step: 5, settle: 3, race: 6,
  iolalloc: 3, iolwrite: 3, iolread: 3, iolfree: 1, iolload: 3, iolstore: 2,
};

const small = fc.nat({ max: 0xffff });

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  ...OPS.map((op) => ({
    weight: WEIGHTS[op],
    arbitrary: fc.record({ op: fc.constant(op), m: fc.nat({ max: 1 }), a: small, b: small, c: small, d: small, e: small }),
  })),
);

const configArb: fc.Arbitrary<Config> = fc.record({
  mtu: fc.constantFrom(1500, 9000),
  headerSplit: fc.boolean(),
  checksumOffload: fc.boolean(),
  earlyDemux: fc.boolean(),
  memoryMiB: fc.constantFrom(2, 3, 4),
});

/** programArb: programs of minLen..maxLen commands. */
export function programArb(minLen: number, maxLen: number): fc.Arbitrary<Program> {
  return fc.record({ config: configArb, cmds: fc.array(cmdArb, { minLength: minLen, maxLength: maxLen, size: "max" }) });
}
