// tools/host/pcap-node.ts — pcap files on disk (Node only; the browser keeps PcapWriter.bytes()).

import { readFileSync, writeFileSync } from "node:fs";
import { readPcap, type PcapFile, type PcapWriter } from "./pcap";

/** writePcapFile: write the capture so far to path (replacing the file). */
export function writePcapFile(path: string, pcap: PcapWriter): void {
  writeFileSync(path, pcap.bytes());
}

/** readPcapFile: parse the pcap file at path. */
export function readPcapFile(path: string): PcapFile {
  return readPcap(new Uint8Array(readFileSync(path))); // a plain copy: Buffer.slice would alias
}
