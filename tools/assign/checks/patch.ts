// tools/assign/checks/patch.ts — header patching on a NIC without header split
// (docs/assignments/patch.md): packet k is posted so that its payload follows payload k-1, its
// headers over the last bytes of payload k-1, which are saved and put back.

import { diffCounters, PAGE_SIZE, pattern, Sem } from "../../host/index";
import { atLeast, atMost, equal, sameBytes, type Check, type CheckContext } from "../check";
import { net } from "./lib";

const ETH = 14, IP = 20, UDP = 8;
const JUMBO_IP = 32; // IPv4 header + the jumbogram option: datagrams beyond 65515 bytes
const ihl = (len: number) => (len + UDP > 65535 - IP ? JUMBO_IP : IP);

/** receive: len bytes at page offset off over an MTU-mtu wire, NICs without header split. */
async function receive(t: CheckContext, off: number, len: number, mtu: number) {
  const { a, b } = await net(t, { mtu, headerSplit: false });
  const span = Math.ceil((off + len) / PAGE_SIZE) * PAGE_SIZE;
  const va = a.p.mmap(len), vb = b.p.mmap(span);
  const data = pattern(len, 31);
  a.p.store(va, data);
  const guard = pattern(span, 98);
  b.p.store(vb, guard);
  const rx = b.p.postRecv(b.fd, vb + off, len, { sem: Sem.EMULATED_COPY });
  const c0 = b.m.counters();
  a.p.sendto(a.fd, va, len, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
  equal(rx.wait().len, len, "bytes received");
  const d = diffCounters(c0, b.m.counters());
  sameBytes(b.p.load(vb + off, len), data, "received data");
  sameBytes(b.p.load(vb, off), guard.subarray(0, off), "bytes before the buffer");
  sameBytes(b.p.load(vb + off + len, span - off - len), guard.subarray(off + len), "bytes after the buffer");
  return d;
}

/** fragments: packets an IPv4 datagram of len UDP payload bytes takes at this MTU. */
const fragments = (len: number, mtu: number) => Math.ceil((len + UDP) / ((mtu - ihl(len)) & ~7));

/** bound: bytes header patching may copy: 2 h per packet after the first, plus gathering the
 *  first 64 bytes of a packet whose headers straddle a frame boundary (at most one per frame),
 *  plus the reverse copyout of a last page the data does not fill. */
const bound = (len: number, mtu: number) =>
  2 * (ETH + ihl(len)) * (fragments(len, mtu) - 1) + 64 * (Math.ceil(len / PAGE_SIZE) + 1) + (PAGE_SIZE - len % PAGE_SIZE) % PAGE_SIZE;

export const checks: Check[] = [
  {
    id: "fragments-patched",
    title: "64 KiB in 1500-byte fragments: byte-exact, 16 pages swapped, only header-patching bytes copied",
    async run(t) {
      const N = 16 * PAGE_SIZE;
      const d = await receive(t, 0, N, 1500);
      equal(d.pageSwaps, 16, "pages swapped");
      atMost(d.bytesCopied, bound(N, 1500), "bytes copied");
    },
  },
  {
    id: "jumbo-mtu",
    title: "64 KiB in 9000-byte fragments: byte-exact, 16 pages swapped, at most 2 h bytes copied per later packet",
    async run(t) {
      const N = 16 * PAGE_SIZE;
      const d = await receive(t, 0, N, 9000);
      equal(d.pageSwaps, 16, "pages swapped");
      atMost(d.bytesCopied, bound(N, 9000), "bytes copied");
    },
  },
  {
    id: "ipv4-datagram",
    title: "a 32 KiB IPv4 datagram (20-byte headers, no jumbogram option) in 1500-byte fragments: byte-exact, 8 pages swapped",
    async run(t) {
      const N = 8 * PAGE_SIZE;
      const d = await receive(t, 0, N, 1500);
      equal(d.pageSwaps, 8, "pages swapped");
      atMost(d.bytesCopied, bound(N, 1500), "bytes copied");
    },
  },
  {
    id: "cost-per-packet",
    title: "the patching cost is per packet, not per byte: twice the data at the same MTU costs twice the packets' headers",
    depends: ["ipv4-datagram"],
    async run(t) {
      const small = await receive(t, 0, 4 * PAGE_SIZE, 1500);
      const big = await receive(t, 0, 8 * PAGE_SIZE, 1500);
      const ps = fragments(4 * PAGE_SIZE, 1500), pb = fragments(8 * PAGE_SIZE, 1500);
      atLeast(small.bytesCopied, 2 * (ETH + IP) * (ps - 1), "bytes copied for 4 pages (2 h per later packet at least)");
      const per = (d: typeof small, n: number) => d.bytesCopied / (n - 1);
      atMost(Math.abs(per(big, pb) - per(small, ps)), 64, "difference in bytes copied per patched packet");
    },
  },
];
