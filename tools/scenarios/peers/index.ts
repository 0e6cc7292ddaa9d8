// tools/scenarios/peers/index.ts — the workloads of Genie beside the systems after it
// (docs/peers.md), each runnable under every scheme it applies to; `genie bench peers` runs
// them, and they are scenarios of the registry like any other (genie run, the tests, the
// playground).
//
//   workload       what moves                                                  schemes
//   bulk-datagram  one datagram of `bytes`, a -> b                             the 8 semantics, msg-zerocopy, splice
//   filenet        a file of `bytes` on a's disk -> b's disk, 64 KiB datagrams copy, emulated-copy, sendfile, splice
//   fileserver     a serves requests for files of `bytes` from a hot set      copy, emulated-copy, sendfile, splice, msg-zerocopy
//                  (cached), b receives
//   cgi            a CGI process produces `bytes`, hands them to the server    copy, emulated-copy, splice
//                  process, which sends them to b
//   proxy          a receives `bytes`, makes k app-level copies, touches a     copy, zio, emulated-copy
//                  fraction f of the last one's pages, sends it on to b
//   kvset          a (2 CPUs) receives a value of `bytes` (SET), copies it     copy, zio, emulated-copy
//                  into an object, appends it to a log file, fsyncs; with
//                  emulated-copy the log is a mapped file the value is
//                  received into (page swapping), then msync
//   modify         a receives `bytes`, rewrites a header in each page of a     copy, zio, emulated-copy, msg-zerocopy
//                  copy, forwards the result to b
//
// Machines (pair.ts): the profile's costs and wire, the adapters of the settings (by default the
// profile's MTU, header split, checksum offload and early demultiplexing), one CPU each unless
// the workload says. Every result is verified byte for byte.

import { bulkDatagram } from "./bulk-datagram";
import { filenet } from "./filenet";
import { fileserver } from "./fileserver";
import { cgi } from "./cgi";
import { proxy } from "./proxy";
import { kvset } from "./kvset";
import { modify } from "./modify";
import type { PeerWorkload } from "./workload";

/** PEER_WORKLOADS: every workload, in report order. */
export const PEER_WORKLOADS: readonly PeerWorkload[] = [bulkDatagram, filenet, fileserver, cgi, proxy, kvset, modify];

export { ALL_SCHEMES, PEER_SCHEMES } from "./schemes";
export type { PeerWorkload } from "./workload";
