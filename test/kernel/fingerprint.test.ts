// test/kernel/fingerprint.test.ts — one hash of the simulated results of a wide matrix of
// single-datagram transfers, so that a change meant to leave behaviour alone (moving code,
// renaming, splitting files) is seen to leave every result alone.
//
//   matrix: profile {credit-net-1997, server-2025} x MTU {1500, 9000} x header split {off, on}
//           x checksum offload {off, on} x size {1, 4095, 4096, 3*4096+17, 65536, 262144},
//           early demux on; on each pair of machines, one datagram under each of the 8 semantics
//   per transfer: every kernel counter of both machines, both NICs' and the wire's counters,
//           the measured latency, and the world's simulated clock
//
// The records are serialised to JSON and hashed (sha256); test/kernel/fingerprint.json holds
// the expected hash and a short summary. Only a defect fix may change simulated results: then
// regenerate the file with GENIE_FINGERPRINT_UPDATE=1 npx vitest run test/kernel/fingerprint.test.ts
// and say in the commit which defect changed them.

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DatagramPair, NotImplemented } from "../../tools/bench/datagram";
import { SEMANTICS, getProfile } from "../../tools/host/index";
import { loadKernel } from "../../tools/host/node";


const EXPECTED = new URL("./fingerprint.json", import.meta.url);
const PROFILES = ["credit-net-1997", "server-2025"];
const MTUS = [1500, 9000];
const SIZES = [1, 4095, 4096, 3 * 4096 + 17, 65536, 262144];

interface Expected {
  hash: string;
  summary: { transfers: number; refused: number; lastClockNs: number; bytesCopied: number; pageSwaps: number };
}

/** fingerprint: run the matrix; its records and a summary of them. */
async function fingerprint(): Promise<{ records: unknown[]; summary: Expected["summary"] }> {
  // The debug kernel, as every kernel test (GENIE_KERNEL=release for the release one): both give
  // the same results, and a difference would itself be a defect.
  const kernel = await loadKernel(process.env.GENIE_KERNEL === "release" ? "release" : "debug");
  const records: unknown[] = [];
  const summary = { transfers: 0, refused: 0, lastClockNs: 0, bytesCopied: 0, pageSwaps: 0 };
  for (const profile of PROFILES) {
    for (const mtu of MTUS) {
      for (const headerSplit of [false, true]) {
        for (const checksumOffload of [false, true]) {
          for (const bytes of SIZES) {
            const pair = await DatagramPair.create({ profile: getProfile(profile), bytes, mtu, headerSplit, checksumOffload, earlyDemux: true, kernel });
            for (const s of SEMANTICS) {
              const where = { profile, mtu, headerSplit, checksumOffload, bytes, semantics: s.name };
              let latencyUs: number | string;
              try {
                latencyUs = pair.transfer(s).latencyUs;
              } catch (e) {
                if (!(e instanceof NotImplemented)) throw new Error(`${JSON.stringify(where)}: ${(e as Error).message}`);
                latencyUs = "refused";
                summary.refused++;
              }
              const a = pair.a.counters(), b = pair.b.counters();
              summary.transfers++;
              summary.bytesCopied += b.bytesCopied + a.bytesCopied;
              summary.pageSwaps += b.pageSwaps + a.pageSwaps;
              summary.lastClockNs = pair.world.now;
              records.push({
                ...where, latencyUs, now: pair.world.now, a, b,
                nicA: { ...pair.a.nics[0].stats }, nicB: { ...pair.b.nics[0].stats }, wire: pair.wire.counters(),
              });
            }
          }
        }
      }
    }
  }
  return { records, summary };
}

describe("simulated results", () => {
  it("every counter, NIC and wire count and clock of 768 datagram transfers hashes to the recorded fingerprint", async () => {
    const { records, summary } = await fingerprint();
    const hash = createHash("sha256").update(JSON.stringify(records)).digest("hex");
    if (process.env.GENIE_FINGERPRINT_UPDATE === "1") {
      writeFileSync(EXPECTED, JSON.stringify({ hash, summary } satisfies Expected, null, 2) + "\n");
      return;
    }
    const expected = JSON.parse(readFileSync(EXPECTED, "utf8")) as Expected;
    expect(
      { hash, summary },
      "simulated results changed. Only a defect fix may change them: if this change fixes one, " +
        "regenerate with GENIE_FINGERPRINT_UPDATE=1 npx vitest run test/kernel/fingerprint.test.ts and name the defect in the commit",
    ).toEqual(expected);
  });
});
