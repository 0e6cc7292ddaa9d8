// tools/cli/capture.ts — --pcap FILE: one libpcap capture of every wire a command runs (Wireshark,
// tshark). Runs that boot one world after another share the writer; each new world's records
// follow the last one's (PcapWriter.follow), so time only moves forward in the file.

import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ETH_HLEN, ETH_TYPE_OFF, ETHERTYPE_IPV4 } from "../../base/abi";
import { jumboOption, PcapWriter, readPcap } from "../host/index";
import { writePcapFile } from "../host/pcap-node";
import { InvalidArgumentError, valueOption } from "./command";

/** pcapOption: `--pcap FILE`, checked before the run (its folder must exist). */
export function pcapOption(what = "the run") {
  return valueOption("--pcap <FILE>", `write a libpcap capture of ${what} to FILE (Wireshark, tshark)`, (v, flag) => {
    const dir = dirname(resolve(v));
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InvalidArgumentError(`${flag} ${v}: folder ${dir} does not exist`);
    if (existsSync(v) && statSync(v).isDirectory()) throw new InvalidArgumentError(`${flag} ${v}: is a folder`);
    return v;
  });
}

/** A capture being taken for --pcap. */
export class Capture {
  readonly pcap = new PcapWriter();
  constructor(readonly path: string) {}

  /** wire: the writer to give the next world's wire. */
  wire(): PcapWriter {
    this.pcap.follow();
    return this.pcap;
  }

  /** save: write the file; the lines to tell the user (where it went; a note if jumbograms are in it). */
  save(): string[] {
    writePcapFile(this.path, this.pcap);
    const lines = [`capture: ${this.pcap.count} frames in ${this.path}`];
    const jumbo = jumboFrames(this.pcap.bytes());
    if (jumbo > 0)
      lines.push(`note: ${jumbo} of them carry our experimental IPv4 jumbogram option (0x9E, in the style of RFC 2675; docs/data-passing.md): ` +
        "Wireshark/tshark will flag that option as unknown and report those datagrams as malformed UDP");
    return lines;
  }
}

/** jumboFrames: how many IPv4 frames of a capture carry the jumbogram option. */
export function jumboFrames(file: Uint8Array): number {
  let n = 0;
  for (const r of readPcap(file).records) {
    const b = r.data;
    if (b.length > ETH_HLEN && ((b[ETH_TYPE_OFF] << 8) | b[ETH_TYPE_OFF + 1]) === ETHERTYPE_IPV4 && jumboOption(b) >= 0) n++;
  }
  return n;
}
