// tools/scenarios/peers/kvset.ts — a key-value store's SET: a (2 CPUs) receives each value,
// copies it into an object, appends the object to a log file and fsyncs. With emulated copy the
// store is the one zIO's paper compares with, built on a mapped file: each value is received
// straight into the mapped log (page swapping), then msynced. With IO-Lite the object is the
// received aggregate itself (kept by value) and the log append copies it into the page cache.

import { Sem, ioLite, pattern } from "../../host/index";
import { peerWorkload } from "./workload";
import { A_IP, diskFor, Measure, verify } from "./pair";
import type { SettingSpec } from "../settings";

const SETS: SettingSpec = { key: "sets", label: "SETs", kind: "number", min: 1, max: 64, default: 4, help: "values stored" };

export const kvset = peerWorkload({
  name: "kvset",
  title: "Key-value SET: receive, copy, log, fsync",
  description: "Machine a, a store whose address space is active on both its CPUs, receives each value from b, copies it into an object, " +
    "appends it to a log file and fsyncs; with emulated copy the log is a mapped file the value is received into.",
  schemes: ["copy", "zio", "emulated-copy", "io-lite"],
  bytes: 64 << 10,
  params: [SETS],
  async run({ scheme, bytes: n, settings, pair }) {
    const sets = settings.sets as number;
    // The store's threads have run on both CPUs: a PTE change of its address space costs a shootdown.
    const e = await pair(sets * n, { aDisk: true, aCpus: 2, diskBytes: diskFor(sets * n) });
    e.pa.setCpu(1);
    e.pa.setCpu(0);
    if (scheme === "zio") e.pa.zioConfig({});
    const io = ioLite(e.pa), pool = scheme === "io-lite" ? io.pool() : -1;
    const mapped = scheme === "emulated-copy"; // the mmap'd-file store zIO is compared with
    const fromB = e.pb.socket();
    e.pb.bind(fromB, 3000);
    e.pb.connect(fromB, A_IP, 1000);
    const log = e.pa.open("/log", { read: true, write: true, create: true });
    if (mapped) e.pa.writeFile("/log", new Uint8Array(n * sets), { fsync: true }); // blocks for the mapping
    const map = mapped ? e.pa.mmap(n * sets, { fd: log, shared: true }) : 0;
    const inBuf = e.pa.mmap(n), obj = e.pa.mmap(n), cb = e.pb.mmap(n);
    e.pa.load(inBuf, n);
    e.pa.load(obj, n);
    const values: Uint8Array[] = [];
    const m = new Measure(e);
    for (let i = 0; i < sets; i++) {
      const v = pattern(n, 500 + i);
      values.push(v);
      e.pb.store(cb, v);
      if (pool >= 0) {
        const rx = io.postRead(e.fa, { pool, len: n });
        e.pb.sendto(fromB, cb, n, { sem: Sem.COPY });
        const got = rx.wait()!;
        e.pa.clock = Math.max(e.pa.clock, e.pb.clock);
        if (io.write(log, got.agg) !== n) throw new Error("kvset io-lite: a short log write");
        e.pa.fsync(log);
        io.free(got.agg);
        continue;
      }
      const rx = e.pa.postRecv(e.fa, mapped ? map + i * n : inBuf, n, { sem: mapped ? Sem.EMULATED_COPY : Sem.COPY });
      e.pb.sendto(fromB, cb, n, { sem: Sem.COPY });
      const got = rx.wait();
      e.pa.clock = Math.max(e.pa.clock, got.at);
      if (mapped) {
        e.pa.msync(map, n * sets); // the dirty pages: this value's
        continue;
      }
      e.pa.memcpy(obj, inBuf, n); // the store keeps its own object
      e.pa.write(log, obj, n);
      e.pa.fsync(log);
    }
    const res = m.metrics(n * sets);
    const all = new Uint8Array(n * sets);
    values.forEach((v, i) => all.set(v, i * n));
    verify(`kvset ${scheme}`, e.pa.readFile("/log"), all);
    return res;
  },
});
