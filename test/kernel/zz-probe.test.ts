import { it, expect } from "vitest";
import { Sem } from "../../tools/host/index";
import { pair } from "./netpair";
import { useMachines, pattern } from "./machines";
import { udpFrame } from "./frames";
useMachines();
for (const nic of [{}, { headerSplit: true }])
it("giant " + JSON.stringify(nic), async () => {
  const p = await pair({ memory: "8M", ...nic });
  const vb = p.pb.mmap(65536); p.pb.fill(vb, 65536, 0);
  const rx = p.pb.postRecv(p.fb, vb, 65536, { sem: Sem.COPY });
  p.a.world.run();
  const base = p.b.freeFrames;
  const f = new Uint8Array(120000); f.set(udpFrame(pattern(100, 1)));
  p.b.nics[0].receiveFrame(f, p.b.world.now);
  p.b.world.run();
  console.log("PROBE", JSON.stringify(p.b.drops()), rx.ready, base - p.b.freeFrames, p.b.nics[0].stats);
});
