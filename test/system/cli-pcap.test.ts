// `genie ... --pcap FILE` as Wireshark reads it: every frame the run sent is in the file, IPv4 with
// good header checksums; ordinary datagrams reassemble with good UDP checksums; and what the
// CLI's note says of jumbograms is what tshark does: it shows our option 0x9E as unknown on
// exactly the frames that carry it, and its only complaints are malformed UDP lengths.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jumboOption } from "../../tools/host/index";
import { readPcapFile } from "../../tools/host/pcap-node";
import { genieAsync, useCli } from "../cli-run";
import { fields, GOOD, tshark } from "./tshark";

useCli();

const dir = mkdtempSync(join(tmpdir(), "genie-cli-pcap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("genie bench datagram --pcap, read by tshark", () => {
  it("4K and 1M datagrams: every frame dissected, IP checksums good, the 4K one reassembled with a good UDP checksum, the option flagged unknown on the jumbogram's frames only", async () => {
    const file = join(dir, "dgram.pcap");
    const r = await genieAsync("bench", "datagram", "--profile", "default", "--semantics", "copy", "--sizes", "4K,1M", "--checksum-offload", "--pcap", file);
    expect(r.status).toBe(0);
    const ours = readPcapFile(file).records;
    const jumbo = ours.map((x) => jumboOption(x.data) >= 0);
    expect(r.stderr).toMatch(new RegExp(`note: ${jumbo.filter(Boolean).length} of them carry our experimental IPv4 jumbogram option`));

    const rows = fields(file, ["frame.number", "eth.type", "ip.checksum.status", "ip.hdr_len", "ip.id", "ip.flags.mf", "udp.length", "udp.checksum.status"]);
    expect(rows.length).toBe(ours.length);
    rows.forEach((row, i) => {
      expect(row.slice(1, 4), `frame ${i + 1}`).toEqual(["0x0800", GOOD, jumbo[i] ? "32" : "20"]);
    });
    // the 4K datagram (3 fragments, no option): reassembled on its last fragment
    const last = rows.find((row, i) => !jumbo[i] && row[5] === "0")!;
    expect([last[6], last[7]]).toEqual(["4104", GOOD]);

    const text = tshark(["-r", file, "-O", "ip"]);
    expect(text.match(/Unknown \(0x9e\) \(12 bytes\)/g)?.length).toBe(jumbo.filter(Boolean).length);
    const expert = tshark(["-r", file, "-q", "-z", "expert"]);
    const complaints = [...expert.matchAll(/^\s+\d+\s+(\w+)\s+(\w+)\s+(.*)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(new Set(complaints)).toEqual(new Set(["Malformed UDP"]));
  });
});
