// Every workload of tools/bench/peers.ts under every scheme it applies to: the bytes delivered are
// exact (each workload verifies them itself and throws otherwise), the counters show each scheme's
// mechanism, and the kernel invariants hold afterwards.
import { describe, expect, it } from "vitest";
import { getProfile, World } from "../tools/host/index";
import { loadKernel } from "../tools/host/node";
import { WORKLOADS, workloadByName, type WorkloadResult } from "../tools/bench/peers";

const profile = getProfile("server-2025");

async function run(workload: string, scheme: string, bytes: number, extra: { k?: number; f?: number } = {}): Promise<WorkloadResult> {
  const w = new World({ kernel: await loadKernel("release"), seed: 1 }); // the benchmarks' kernel
  const r = await workloadByName(workload).run(w, { profile, scheme, bytes, ...extra });
  for (const m of w.machines) {
    const { violations, report } = m.checkInvariants();
    expect(report, `invariants of ${m.name}`).toBe("");
    expect(violations).toBe(0);
  }
  return r;
}

const SIZE = 5 * 4096 + 100;
/** Results of the matrix, by "workload scheme", for the counter checks below. */
const done = new Map<string, WorkloadResult>();

describe("workloads x schemes, byte-exact", () => {
  for (const wl of WORKLOADS)
    it(`${wl.name}: ${wl.schemes.join(", ")} deliver exactly the bytes the workload sends`, async () => {
      for (const scheme of wl.schemes) {
        const r = await run(wl.name, scheme, wl.name === "filenet" ? 65536 + 100 : SIZE);
        expect(r.scheme).toBe(scheme);
        expect(r.simulatedUs).toBeGreaterThan(0);
        done.set(`${wl.name} ${scheme}`, r);
      }
    });
});

describe("each scheme's mechanism, seen in the counters", () => {
  it("sendfile and splice send a cached file with no CPU copy on the sender; copy copies it", async () => {
    const [copy, sendfile, splice, zc] = ["copy", "sendfile", "splice", "msg-zerocopy"].map((s) => done.get(`fileserver ${s}`)!);
    // Sixteen responses; the receiver copies each once in every scheme; copy and msg-zerocopy read()
    // the file into the server's buffer (a copy); copy copies it again into the kernel.
    expect(copy.cpuBytesCopied).toBe(3 * 16 * SIZE);
    expect(zc.cpuBytesCopied).toBe(2 * 16 * SIZE + 16 * 100); // the last page's 100 bytes: copied, not pinned
    expect(sendfile.cpuBytesCopied).toBe(16 * SIZE);
    expect(splice.cpuBytesCopied).toBe(16 * SIZE);
  });

  it("zio elides the proxy's copies and its send copy; a reused receive buffer pays a copy-on-write per owed page", async () => {
    const copy = await run("proxy", "copy", 64 * 1024, { k: 2, f: 0 });
    const zio = await run("proxy", "zio", 64 * 1024, { k: 2, f: 0 });
    expect(copy.cpuBytesCopied).toBe(4 * 6 * 64 * 1024); // per message: b's send, a's receive, 2 copies, a's send, b's receive
    // zio: b's send, a's receive and b's receive copy; both app copies and a's send copy nothing;
    // from the second message on, the receive into the reused buffer copies the 16 pages the
    // previous message's copies still owe (copy-on-write of a held source page).
    expect(zio.cpuBytesCopied).toBe(4 * 3 * 64 * 1024 + 3 * 64 * 1024);
    expect(zio.faults - copy.faults).toBe(3 * 16);
  });

  it("io-lite copies no file byte on the server, and none between the CGI and the server: only the aggregates (8 bytes a slice) cross", () => {
    const slices = Math.ceil(SIZE / 4096); // a file read gives one slice per file-cache page
    const [copy, sendfile, iol] = ["copy", "sendfile", "io-lite"].map((s) => done.get(`fileserver ${s}`)!);
    // Per response: iol_read writes the aggregate, iol_write and iol_free read it; the client copies.
    expect(iol.cpuBytesCopied).toBe(16 * SIZE + 16 * 3 * 8 * slices);
    expect(iol.pteWrites).toBe(sendfile.pteWrites); // the hot cache's buffers are mapped already
    expect(iol.cpuUs).toBeLessThan(copy.cpuUs);
    // cgi: the CGI's buffer goes through the pipe and out by reference; the client copies.
    expect(done.get("cgi io-lite")!.cpuBytesCopied).toBe(SIZE + 5 * 8);
    expect(done.get("cgi io-lite")!.cpuBytesCopied).toBeLessThan(done.get("cgi copy")!.cpuBytesCopied / 2);
    // datagram: the send copies nothing; the adapter receives straight into a buffer of b's pool.
    expect(done.get("datagram io-lite")!.cpuBytesCopied).toBe(2 * 8);
  });

  it("io-lite runs in every workload; relaying, it copies only what b sends and receives (the app's copies are aggregates by value, changes new buffers)", () => {
    for (const wl of WORKLOADS) expect(wl.schemes).toContain("io-lite");
    for (const n of ["proxy", "modify"]) {
      const iol = done.get(`${n} io-lite`)!, copy = done.get(`${n} copy`)!;
      // Four messages: b's send and b's receive copy them; a receives in place and sends by reference.
      expect(iol.cpuBytesCopied - 4 * 2 * SIZE).toBeGreaterThanOrEqual(0);
      expect(iol.cpuBytesCopied - 4 * 2 * SIZE).toBeLessThan(4 * 1024); // the aggregates, 8 bytes a slice
      expect(iol.cpuUs).toBeLessThan(copy.cpuUs);
    }
  });
});
