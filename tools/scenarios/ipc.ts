// tools/scenarios/ipc.ts — a protocol server in user space between a client and the NIC, in the
// style of Genie's I/O-oriented IPC: the client hands its message to the server over a channel
// (no CPU copy), the server prepends a header by gather and sends it on; against the kernel
// doing the same on the client's own send (kernel placement).

import { connect, diffCounters, firstDifference, getProfile, PAGE_SIZE, pattern, profileMtu, Sem, wireOptions } from "../host/index";
import { SETTING, type SettingSpec } from "./settings";
import type { Scenario } from "./index";

const PLACEMENT: SettingSpec = { key: "placement", label: "Server placement", kind: "choice", choices: ["user", "kernel"], default: "user", help: "user: a server process relays the client's data; kernel: the client sends it itself" };
const BYTES: SettingSpec = { ...SETTING.bytes, max: 256 << 10, default: 16 * PAGE_SIZE, help: "message size" };
const HEADER = 32;

export const ipcServer: Scenario = {
  name: "ipc-server",
  title: "I/O-oriented IPC: a protocol server",
  description: "A client sends a message to a protocol server over a channel (emulated move: its frames, no copy); the server sends header + message " +
    "to machine b with one gather. Compare with the kernel placing the header itself.",
  settings: [PLACEMENT, BYTES, SETTING.profile, SETTING.seed],
  compare: "placement",
  async run(world, s, hooks) {
    const profile = getProfile(s.profile as string);
    const a = await world.machine({ name: "a", profile, trace: hooks.trace }), b = await world.machine({ name: "b", profile, trace: hooks.trace });
    const nic = (ip: string) => ({ ip, mtu: profileMtu(profile), headerSplit: true, checksumOffload: true, earlyDemux: true });
    connect(a.attachNic(nic("10.0.0.1")), b.attachNic(nic("10.0.0.2")), { ...wireOptions(profile), pcap: hooks.pcap });
    const pa = a.spawn(), pb = b.spawn();
    const fa = pa.socket(), fb = pb.socket();
    pa.bind(fa, 1000);
    pb.bind(fb, 2000);
    const len = s.bytes as number;
    const data = pattern(len, 8), header = pattern(HEADER, 9);
    const vb = pb.mmap(len + 2 * PAGE_SIZE);
    world.run();
    const ca = a.counters(), cb = b.counters();
    const rxb = pb.postRecv(fb, vb + PAGE_SIZE - HEADER, len + HEADER, { sem: Sem.EMULATED_COPY });
    let t0: number;
    if (s.placement === "user") {
      const [c0, c1] = pa.channel();
      const server = pa.fork(); // the server shares the client's socket and channel
      const va = pa.mmap(len);
      pa.store(va, data);
      const hdr = server.mmap(PAGE_SIZE);
      server.store(hdr, header);
      const rxs = server.postRecv(c1, 0, len, { sem: Sem.EMULATED_MOVE });
      t0 = pa.clock;
      hooks.log?.(`client ${pa.pid} hands ${len} bytes to server ${server.pid} over a channel`);
      pa.sendto(c0, va, len, { sem: Sem.COPY });
      const msg = rxs.wait();
      server.clock = Math.max(server.clock, pa.clock);
      hooks.log?.(`server sends header + message with one gather (sendv)`);
      server.sendv(fa, [[hdr, HEADER], [msg.va, len]], { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
    } else {
      const vk = pa.mmap(len + PAGE_SIZE);
      pa.store(vk + PAGE_SIZE - HEADER, header);
      pa.store(vk + PAGE_SIZE, data);
      t0 = pa.clock;
      hooks.log?.(`client ${pa.pid} sends header + message itself`);
      pa.sendto(fa, vk + PAGE_SIZE - HEADER, len + HEADER, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
    }
    const got = rxb.wait();
    world.run();
    if (got.len !== len + HEADER) throw new Error(`ipc-server: b received ${got.len} bytes, want ${len + HEADER}`);
    if (firstDifference(pb.load(vb + PAGE_SIZE - HEADER, HEADER), header) >= 0 || firstDifference(pb.load(vb + PAGE_SIZE, len), data) >= 0)
      throw new Error("ipc-server: b received bytes that differ from those sent");
    const da = diffCounters(ca, a.counters()), db = diffCounters(cb, b.counters());
    return {
      metrics: {
        latencyUs: Math.round(got.at - t0) / 1000, cpuBytesCopied: da.bytesCopied + db.bytesCopied, syscalls: da.syscalls + db.syscalls,
        pageSwaps: da.pageSwaps + db.pageSwaps, pteWrites: da.pteWrites + db.pteWrites, tlbShootdowns: da.tlbShootdowns + db.tlbShootdowns,
      },
    };
  },
};
