// `genie bench filenet`: a file from one machine's disk to another's over the network, under
// copy, mapped files with emulated copy, and mapped files with pswap. The JSON rows are a
// contract; the counters are exact (derived below); b's file is byte-identical to a's; the same
// seed gives the same simulated numbers. Wall-clock figures are never asserted.

import { describe, expect, it } from "vitest";
import { genieAsync, useCli } from "./cli-run";
import { Disk, getProfile, MemoryStore, PAGE_SIZE, Sem, World, type Profile } from "../tools/host/index";
import { loadKernel } from "../tools/host/node";
import { FILENET_ROW_KEYS, FILENET_SCHEMES, filenetData, runFilenet, type FilenetRow } from "../tools/bench/filenet";

useCli();

const MiB = 1 << 20;

async function filenet(...args: string[]) {
  const r = await genieAsync("bench", "filenet", ...args, "--json");
  let doc: { profile: string; rows: Record<string, unknown>[] } | null = null;
  try { doc = JSON.parse(r.stdout); } catch { /* checked by the caller */ }
  return { ...r, doc };
}

/** withoutWall: the rows with wallMs left out (the only figure that varies between runs). */
const withoutWall = (rows: Record<string, unknown>[]) => rows.map(({ wallMs, ...rest }) => rest);

/** The kernel's thresholds for pages holding only part of a buffer (kernel/io/tcow.ts
 *  tcowCopyBelow, kernel/io/swapin.ts reverseAbove), from a profile's costs. */
function thresholds(p: Profile) {
  const c = p.costs;
  const per = c.bytesCopied.ns;
  const copyBelow = per <= 0 ? 0 : Math.floor(Math.min(PAGE_SIZE, (c.pteWrites.ns + c.tlbInvalLocal.ns) / per));
  const reverseAbove = per <= 0 ? PAGE_SIZE : Math.floor(Math.min(PAGE_SIZE, (PAGE_SIZE * per + c.pageSwaps.ns + 2 * c.pteWrites.ns + c.tlbInvalLocal.ns) / (2 * per)));
  return { copyBelow, reverseAbove };
}

/** readFile: /dst as a fresh machine booted on image reads it. */
async function readBack(image: Uint8Array): Promise<Uint8Array> {
  const w = new World({ kernel: await loadKernel("debug"), seed: 5 });
  const m = await w.machine({ memory: "16M", disk: new Disk({ store: new MemoryStore(image) }) });
  m.mount({ readOnly: true });
  const p = m.spawn();
  const fd = p.open("/dst");
  const size = p.fstat(fd).size;
  const out = new Uint8Array(size);
  const va = p.mmap(64 * 1024);
  for (let at = 0; at < size; ) {
    const n = p.read(fd, va, Math.min(64 * 1024, size - at), { sem: Sem.COPY });
    out.set(p.load(va, n), at);
    at += n;
  }
  return out;
}

describe("genie bench filenet --json", () => {
  it("prints {profile, rows}: one row per scheme with exactly the contract's keys; copy copies 4 x size, the mapped schemes with emulated copy nothing, the mixed ones 2 x size; deterministic", async () => {
    const args = ["--profile", "default", "--size", "1M"];
    const [r, again] = await Promise.all([filenet(...args), filenet(...args)]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(Object.keys(r.doc!)).toEqual(["profile", "rows"]);
    expect(r.doc!.profile).toBe("default");
    const rows = r.doc!.rows;
    expect(rows.map((x) => x.scheme)).toEqual([...FILENET_SCHEMES]);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(FILENET_ROW_KEYS);
      expect(row.bytes).toBe(MiB);
      expect(row.simulatedMs as number).toBeGreaterThan(0);
      expect(row.wallMs as number).toBeGreaterThan(0);
      // Every byte of /src is read from a's disk and written to b's, at least.
      expect(row.diskBytes as number).toBeGreaterThanOrEqual(2 * MiB);
    }
    const [copy, mapped, pswap, mappedCopy, rwEmulated] = rows;
    // copy: four CPU copies of every byte and nothing else: read() page cache -> buffer, sendto
    // buffer -> kernel buffer (a), recvfrom kernel buffer -> buffer, write() buffer -> page cache
    // (b). The NICs move the bytes by DMA, checksums are offloaded, headers go to their own buffers.
    expect(copy.cpuBytesCopied).toBe(4 * MiB);
    expect(copy.pageSwaps).toBe(0);
    // mapped files with emulated copy: no byte copied on either side (64 KiB datagrams of whole,
    // page-aligned pages); one swap per page on b, the received frame becoming the file's page.
    expect(mapped.cpuBytesCopied).toBe(0);
    expect(mapped.pageSwaps).toBe(MiB / PAGE_SIZE);
    // pswap: two swaps per page (into the anonymous buffer, then into the file), no copy.
    expect(pswap.cpuBytesCopied).toBe(0);
    expect(pswap.pageSwaps).toBe(2 * (MiB / PAGE_SIZE));
    // Mixed: mapped files with copy in the network copy each byte once per side (b fills a new
    // frame per page of its file: none is read); read/write files with emulated copy in the
    // network copy in read() and write() only, and swap each page into b's buffer.
    expect(mappedCopy.cpuBytesCopied).toBe(2 * MiB);
    expect(mappedCopy.pageSwaps).toBe(MiB / PAGE_SIZE);
    expect(rwEmulated.cpuBytesCopied).toBe(2 * MiB);
    expect(rwEmulated.pageSwaps).toBe(MiB / PAGE_SIZE);
    // Only pswap reads b's file: it exchanges pages, so the buffer gets the file's old bytes.
    for (const row of [mapped, mappedCopy, rwEmulated]) expect(row.diskBytes as number).toBeLessThan(2.1 * MiB);
    expect(pswap.diskBytes as number).toBeGreaterThan(3 * MiB);
    // The same options and seed: the same simulated numbers.
    expect(again.status).toBe(0);
    expect(withoutWall(again.doc!.rows)).toEqual(withoutWall(rows));
  });

  it("refuses a bad command line with status 2", async () => {
    for (const args of [[], ["--profile", "nope"], ["--profile", "default", "--size", "0"], ["--profile", "default", "--size", "1T"], ["--profile", "default", "--memory", "3K"]]) {
      const r = await genieAsync("bench", "filenet", ...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/bench filenet/);
    }
  });
});

describe("the filenet benchmark in process (debug kernel, invariants checked)", () => {
  it("b's file is byte-identical to a's on a fresh machine; a size that is not a page multiple copies only its last partial page", async () => {
    const kernel = await loadKernel("debug");
    const profile = getProfile("default");
    const n = MiB + 100; // 256 whole pages and 100 bytes
    const images = new Map<string, Uint8Array>();
    const rows: FilenetRow[] = await runFilenet({
      profile, bytes: n, kernel, memory: 16 * MiB,
      onDone: (scheme, { a, b }, image) => {
        for (const m of [a, b]) expect(m.checkInvariants().report, `${scheme}: invariants of ${m.name}`).toBe("");
        images.set(scheme, image.slice());
      },
    });
    const data = filenetData(n);
    for (const scheme of FILENET_SCHEMES) {
      const got = await readBack(images.get(scheme)!);
      expect(got.length, scheme).toBe(n);
      expect(Buffer.from(got).equals(Buffer.from(data)), `${scheme}: /dst byte-identical to /src`).toBe(true);
    }
    const { copyBelow, reverseAbove } = thresholds(profile);
    const tail = n % PAGE_SIZE;
    // a: the 100-byte page is copied into a kernel buffer if copying costs less than protecting it.
    const aTail = tail < copyBelow ? tail : 0;
    // b: the 100 received bytes are copied out (few), or the page's other bytes reverse-copied.
    const bTail = tail <= reverseAbove ? tail : PAGE_SIZE - tail;
    const [copy, mapped, pswap, mappedCopy, rwEmulated] = rows;
    expect(copy.cpuBytesCopied).toBe(4 * n);
    expect(mapped.cpuBytesCopied).toBe(aTail + bTail);
    expect(mapped.pageSwaps).toBe(Math.floor(n / PAGE_SIZE) + (tail > reverseAbove ? 1 : 0));
    // pswap exchanges a partial page by copying its bytes both ways.
    expect(pswap.cpuBytesCopied).toBe(aTail + bTail + 2 * tail);
    expect(pswap.pageSwaps).toBe(2 * Math.floor(n / PAGE_SIZE) + (tail > reverseAbove ? 1 : 0));
  });
});
