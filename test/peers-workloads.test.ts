// The workloads of Genie beside the systems after it (tools/scenarios/peers/): each scheme's
// mechanism, seen in the counters. (test/scenarios.test.ts runs every workload under every
// scheme it declares, byte-exact.)
import { describe, expect, it } from "vitest";
import { loadKernel } from "../tools/host/node";
import { NOT_IMPLEMENTED, PEER_WORKLOADS, scenarioByName, type PeerWorkload } from "../tools/scenarios/index";
import { runWorkload, type WorkloadResult } from "../tools/bench/peers-report";

const SIZE = 5 * 4096 + 100;

/** run: one workload under one scheme on server-2025 (the benchmarks' kernel); every machine's
 *  invariants are checked after it (runScenario). */
async function run(workload: string, scheme: string, bytes: number, more: Record<string, unknown> = {}): Promise<WorkloadResult> {
  return runWorkload(await loadKernel("release"), scenarioByName(workload) as PeerWorkload, scheme, "server-2025", bytes, more);
}

describe("each scheme's mechanism, seen in the counters", () => {
  it("sendfile and splice send a cached file with no CPU copy on the sender; copy copies it", async () => {
    const [copy, sendfile, splice, zc] = await Promise.all(["copy", "sendfile", "splice", "msg-zerocopy"].map((s) => run("fileserver", s, SIZE)));
    // Sixteen responses; the receiver copies each once in every scheme; copy and msg-zerocopy read()
    // the file into the server's buffer (a copy); copy copies it again into the kernel.
    expect(copy.cpuBytesCopied).toBe(3 * 16 * SIZE);
    expect(zc.cpuBytesCopied).toBe(2 * 16 * SIZE + 16 * 100); // the last page's 100 bytes: copied, not pinned
    expect(sendfile.cpuBytesCopied).toBe(16 * SIZE);
    expect(splice.cpuBytesCopied).toBe(16 * SIZE);
  });

  it("zio elides the proxy's copies and its send copy when nothing writes the sources", async () => {
    // One message: nothing is received into the source after its copies (the policy never sees a loss).
    const one = { copies: 2, fraction: 0, messages: 1 };
    const copy = await run("proxy", "copy", 64 * 1024, one);
    const zio = await run("proxy", "zio", 64 * 1024, one);
    expect(copy.cpuBytesCopied).toBe(6 * 64 * 1024); // b's send, a's receive, 2 copies, a's send, b's receive
    expect(zio.cpuBytesCopied).toBe(3 * 64 * 1024); // b's send, a's receive, b's receive: the rest elided or gathered
  });

  it("io-lite is reported as not implemented, never replaced by another scheme", () => {
    expect(NOT_IMPLEMENTED["io-lite"]).toMatch(/not implemented/);
    for (const wl of PEER_WORKLOADS) expect(wl.schemes).not.toContain("io-lite");
  });
});
