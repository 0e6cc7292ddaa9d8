// tools/scenarios/peers/bulk-datagram.ts — one large datagram from a to b, receive posted first,
// under every scheme that sends a buffer (the datagram scenario, tools/scenarios/datagram.ts,
// measures the same transfer's latency per semantics; this one its CPU time on both machines).

import { ioLite, pattern } from "../../host/index";
import { ALL_GENIE, peerWorkload } from "./workload";
import { Measure, verify } from "./pair";
import { postBuf, sendBuf, takeReceived } from "./schemes";

export const bulkDatagram = peerWorkload({
  name: "bulk-datagram",
  title: "A large datagram, every scheme",
  description: "Machine a sends one large datagram to machine b, which posted its receive first, under Genie's semantics, MSG_ZEROCOPY, vmsplice and IO-Lite; " +
    "CPU time and counters over both machines.",
  schemes: [...ALL_GENIE, "msg-zerocopy", "splice", "io-lite"],
  bytes: 256 << 10,
  async run({ scheme, bytes: n, pair }) {
    const e = await pair(n);
    const data = pattern(n, n + 1);
    if (scheme === "io-lite") {
      // a's producer fills a buffer of its pool in place (before the measure, as the other
      // schemes fill theirs) and passes it; b receives into a buffer of its own pool.
      const ia = ioLite(e.pa), ib = ioLite(e.pb);
      const va = ia.alloc(ia.pool(), n);
      e.pa.store(va, data);
      const pool = ib.pool();
      const m = new Measure(e);
      const rx = ib.postRead(e.fb, { pool, len: n });
      ia.write(e.fa, [{ va, len: n }]);
      const got = rx.wait()!;
      const res = m.metrics(n);
      verify("bulk-datagram io-lite", ib.bytes(got.agg), data);
      return res;
    }
    const va = e.pa.mmap(n), vb = e.pb.mmap(n);
    e.pa.store(va, data);
    e.pb.load(vb, n);
    const m = new Measure(e);
    const rx = postBuf(e.pb, e.fb, vb, n, scheme);
    sendBuf(e.pa, e.fa, va, n, scheme);
    const got = rx.wait();
    const res = m.metrics(n);
    verify(`bulk-datagram ${scheme}`, takeReceived(e.pb, got, vb, n, scheme), data);
    return res;
  },
});
