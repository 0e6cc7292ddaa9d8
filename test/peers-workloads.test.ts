// The workloads of Genie beside the systems after it (tools/scenarios/peers/): each scheme's
// mechanism, seen in the counters. (test/scenarios.test.ts runs every workload under every
// scheme it declares, byte-exact.)
import { describe, expect, it } from "vitest";
import { loadKernel } from "../tools/host/node";
import { PEER_WORKLOADS, scenarioByName, type PeerWorkload } from "../tools/scenarios/index";
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

  it("io-lite copies no file byte on the server, and none between the CGI and the server: only the aggregates (8 bytes a slice) cross", async () => {
    const slices = Math.ceil(SIZE / 4096); // a file read gives one slice per file-cache page
    const [copy, sendfile, iol] = await Promise.all(["copy", "sendfile", "io-lite"].map((s) => run("fileserver", s, SIZE)));
    // Per response: iol_read writes the aggregate, iol_write and iol_free read it; the client copies.
    expect(iol.cpuBytesCopied).toBe(16 * SIZE + 16 * 3 * 8 * slices);
    expect(iol.pteWrites).toBe(sendfile.pteWrites); // the hot cache's buffers are mapped already
    expect(iol.cpuUs).toBeLessThan(copy.cpuUs);
    // cgi: the CGI's buffer goes through the pipe and out by reference; the client copies.
    const [cgiCopy, cgiIol] = await Promise.all(["copy", "io-lite"].map((s) => run("cgi", s, SIZE)));
    expect(cgiIol.cpuBytesCopied).toBe(SIZE + 5 * 8);
    expect(cgiIol.cpuBytesCopied).toBeLessThan(cgiCopy.cpuBytesCopied / 2);
    // bulk-datagram: the send copies nothing; the adapter receives straight into a buffer of b's pool.
    expect((await run("bulk-datagram", "io-lite", SIZE)).cpuBytesCopied).toBe(2 * 8);
  });

  it("io-lite runs in every workload; relaying, it copies only what b sends and receives (the app's copies are aggregates by value, changes new buffers)", async () => {
    for (const wl of PEER_WORKLOADS) expect(wl.schemes).toContain("io-lite");
    for (const n of ["proxy", "modify"]) {
      const [iol, copy] = await Promise.all(["io-lite", "copy"].map((s) => run(n, s, SIZE)));
      // Four messages: b's send and b's receive copy them; a receives in place and sends by reference.
      expect(iol.cpuBytesCopied - 4 * 2 * SIZE).toBeGreaterThanOrEqual(0);
      expect(iol.cpuBytesCopied - 4 * 2 * SIZE).toBeLessThan(4 * 1024); // the aggregates, 8 bytes a slice
      expect(iol.cpuUs).toBeLessThan(copy.cpuUs);
    }
  });
});
