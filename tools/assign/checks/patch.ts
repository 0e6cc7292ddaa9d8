// tools/assign/checks/patch.ts — header patching on a NIC without header split
// (docs/assignments/patch.md): packet k is posted so that its payload follows payload k-1, its
// headers over the last bytes of payload k-1, which are saved and put back.

import { PAGE_SIZE } from "../../host/index";
import { atLeast, atMost, equal, type Check, type CheckContext } from "../check";
import { guardedReceive } from "./lib";

const ETH = 14, IP = 20, UDP = 8;
const JUMBO_IP = 32; // IPv4 header + the jumbogram option: datagrams beyond 65515 bytes
const ihl = (len: number) => (len + UDP > 65535 - IP ? JUMBO_IP : IP);

/** receive: len bytes at page offset off over an MTU-mtu wire, NICs without header split. */
const receive = (t: CheckContext, off: number, len: number, mtu: number) => guardedReceive(t, off, len, { net: { mtu, headerSplit: false } });

/** fragments: packets an IPv4 datagram of len UDP payload bytes takes at this MTU. */
const fragments = (len: number, mtu: number) => Math.ceil((len + UDP) / ((mtu - ihl(len)) & ~7));

/** bound: bytes header patching may copy: 2 h per packet after the first, plus gathering the
 *  first 64 bytes of a packet whose headers straddle a frame boundary (at most one per frame),
 *  plus the reverse copyout of a last page the data does not fill. */
const bound = (len: number, mtu: number) =>
  2 * (ETH + ihl(len)) * (fragments(len, mtu) - 1) + 64 * (Math.ceil(len / PAGE_SIZE) + 1) + (PAGE_SIZE - len % PAGE_SIZE) % PAGE_SIZE;

/** patched: a check that pages·4096 bytes over this MTU arrive byte-exact, every page swapped,
 *  with no more copied than header patching needs. */
const patched = (id: string, title: string, pages: number, mtu: number): Check => ({
  id, title,
  async run(t) {
    const d = await receive(t, 0, pages * PAGE_SIZE, mtu);
    equal(d.pageSwaps, pages, "pages swapped");
    atMost(d.bytesCopied, bound(pages * PAGE_SIZE, mtu), "bytes copied");
  },
});

export const checks: Check[] = [
  patched("fragments-patched", "64 KiB in 1500-byte fragments: byte-exact, 16 pages swapped, only header-patching bytes copied", 16, 1500),
  patched("jumbo-mtu", "64 KiB in 9000-byte fragments: byte-exact, 16 pages swapped, at most 2 h bytes copied per later packet", 16, 9000),
  patched("ipv4-datagram", "a 32 KiB IPv4 datagram (20-byte headers, no jumbogram option) in 1500-byte fragments: byte-exact, 8 pages swapped", 8, 1500),
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
