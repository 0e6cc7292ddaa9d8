// test/system/tshark.ts — running tshark (Wireshark's command-line reader) on a capture, with IP
// and UDP checksum validation on. A system test: tshark must be installed (.ci/run installs it).

import { execFileSync, spawnSync } from "node:child_process";

let installed: boolean | undefined;

/** tshark: run tshark with args; its standard output. Fails saying how to install it when missing. */
export function tshark(args: string[]): string {
  installed ??= spawnSync("tshark", ["-v"], { stdio: "ignore" }).status === 0;
  if (!installed) throw new Error("tshark is not installed: these tests read captures with it (Debian/Ubuntu: apt-get install tshark)");
  return execFileSync("tshark", ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 << 20,
  });
}

/** fields: one array of the fields' values per frame of file. */
export function fields(file: string, names: readonly string[]): string[][] {
  const out = tshark(["-r", file, "-n", "-T", "fields", "-E", "separator=/t", ...names.flatMap((f) => ["-e", f])]);
  return out.trimEnd().split("\n").filter((l) => l !== "").map((l) => l.split("\t"));
}

/** Wireshark's checksum status values. */
export const GOOD = "1", BAD = "0";
