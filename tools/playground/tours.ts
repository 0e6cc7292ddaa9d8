// tools/playground/tours.ts — guided tours: each stop runs a scenario (or a script) with some
// settings, moves the timeline to a step found in the recording, opens a view and says what to
// look at there. Stops find their step by what happened (a step's label), never by number.

import type { Step } from "./engine";

export interface TourStop {
  text: string;
  scenario: string;
  settings: Record<string, string | number | boolean>;
  script?: string;
  /** The step to show: the first whose label matches, counted from the end if last is set. */
  find?: RegExp;
  last?: boolean;
  /** Which panel to open. */
  tab: string;
  /** The id of the element of that panel to scroll into view, if any. */
  focus?: string;
}

export interface Tour {
  name: string;
  title: string;
  stops: TourStop[];
}

/** findStep: the step (1-based) a stop shows in steps; the last step if nothing matches. */
export function findStep(stop: TourStop, steps: readonly Step[]): number {
  if (!stop.find) return stop.last === false ? 0 : steps.length;
  const idx = stop.last ? steps.map((s) => s.label).findLastIndex((l) => stop.find!.test(l)) : steps.findIndex((s) => stop.find!.test(s.label));
  return idx < 0 ? steps.length : idx + 1;
}

/** The script of the emulated-copy tour: the sender writes its buffer while the NIC still reads it. */
export const TCOW_SCRIPT = `// a sends 4 pages to b with emulated copy, then at once writes its first page again.
const a = await world.machine({ name: "a" }), b = await world.machine({ name: "b" });
const nic = (ip) => ({ ip, mtu: 9000, headerSplit: true, checksumOffload: true, earlyDemux: true });
connect(a.attachNic(nic("10.0.0.1")), b.attachNic(nic("10.0.0.2")), { bandwidthBps: 1e9, latencyNs: 10000, pcap: hooks.pcap, ...ETHERNET });
const pa = a.spawn(), pb = b.spawn();
const fa = pa.socket(), fb = pb.socket();
pa.bind(fa, 1000); pb.bind(fb, 2000);
const len = 4 * PAGE_SIZE;
const va = pa.mmap(len), vb = pb.mmap(len);
pa.fill(va, len, 0x5a);
pb.fill(vb, len, 0);
const rx = pb.postRecv(fb, vb, len, { sem: Sem.EMULATED_COPY });
pa.sendto(fa, va, len, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
pa.store(va, [1, 2, 3]);   // the page is still under output (TCOW): this write faults and copies it
const got = rx.wait();
world.run();
if (pb.load(vb, 3).some((x) => x !== 0x5a)) throw new Error("b received the bytes written after the send");
hooks.log("b received the bytes as they were at the send: " + got.len + " bytes");
`;

export const TOURS: Tour[] = [
  {
    name: "tcow",
    title: "Emulated copy on a send (TCOW)",
    stops: [
      { tab: "frames", scenario: "datagram", settings: {}, script: TCOW_SCRIPT, find: /sendto/,
        text: "Process 1 on machine a calls sendto with emulated copy. The kernel does not copy the 4 pages: it marks them TCOW (read-only while output is pending) and hands their frames to the NIC. On a's frames map they turn orange: under output." },
      { tab: "pages", scenario: "datagram", settings: {}, script: TCOW_SCRIPT, find: /page fault/, last: true,
        text: "The process writes its first page while the NIC has not finished reading it. The write faults; the kernel copies that one page to a new frame (bytesCopied +4096 in the counters) and maps it writable. The NIC keeps reading the old frame, so b gets the bytes as they were at the send." },
      { tab: "counters", scenario: "datagram", settings: {}, script: TCOW_SCRIPT, last: true,
        text: "The end: b received the datagram as it was when sent, and a copied one page instead of four. Copy semantics with the cost of copying only what is written again." },
    ],
  },
  {
    name: "receive",
    title: "Input alignment, page swapping, header patching",
    stops: [
      { tab: "rings", scenario: "datagram", settings: { semantics: "emulated-copy", bytes: 32768, mtu: 9000, headerSplit: true }, find: /recvfrom/,
        text: "b posts its receive first. With early demultiplexing the NIC steers the datagram to the socket's own queue, whose buffers the kernel laid out page-aligned like the application's buffer (input alignment): see the posted descriptors of a steered rx queue." },
      { tab: "frames", scenario: "datagram", settings: { semantics: "emulated-copy", bytes: 32768, mtu: 9000, headerSplit: true }, find: /NIC interrupt/, last: true,
        text: "The packets have arrived; with header split the headers went to their small buffers and the payload filled whole page frames. The kernel swaps those frames into b's address space instead of copying (pageSwaps in the counters)." },
      { tab: "packets", focus: "patches", scenario: "datagram", settings: { semantics: "emulated-copy", bytes: 32768, mtu: 9000, headerSplit: false }, find: /NIC interrupt/, last: true,
        text: "Now the same receive on a NIC without header split: each packet's headers land in the same buffer as its data. The kernel plans the layout so that the data still ends page-aligned and patches the bytes the headers overwrote (header patching). A packet's headers are marked in its hex view; below it, b's RAM where the driver put the saved data back, the patched bytes marked (pink ticks on the timeline strip: each patch)." },
    ],
  },
  {
    name: "mapped",
    title: "A mapped file sent to another machine's mapped file",
    stops: [
      { tab: "frames", scenario: "file-net-file", settings: { scheme: "mmap-emulated-copy", bytes: 131072 }, find: /sendto/,
        text: "a maps /src and sends 64 KiB slices of the mapping with emulated copy: the page-cache frames (green) go to the NIC under TCOW (orange), no CPU copy." },
      { tab: "frames", scenario: "file-net-file", settings: { scheme: "mmap-emulated-copy", bytes: 131072 }, find: /recvfrom/, last: true,
        text: "b receives straight into its mapping of /dst: the received frames are swapped into b's page cache, replacing the file's pages." },
      { tab: "compare", scenario: "file-net-file", settings: { scheme: "mmap-emulated-copy", bytes: 131072 }, last: true,
        text: "The end: /dst on b's disk equals /src. Press Compare to see CPU bytes copied by the copy scheme against the mapped ones: no full page was copied by a CPU with mapped files." },
    ],
  },
];
