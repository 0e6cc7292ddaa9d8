// tools/host/ip.ts — IPv4 addresses as the host library spells them ("10.0.0.1") and as the
// kernel holds them (a 32-bit number).

import { ConfigError } from "./errors";

/** parseIp: "10.0.0.1" -> 0x0a000001; ConfigError if malformed. */
export function parseIp(s: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m || m.slice(1).some((x) => Number(x) > 255)) throw new ConfigError(`ip: "${s}" is not a dotted IPv4 address`);
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

/** ipWord: an address given either way, as the signed 32-bit word a system call takes. */
export function ipWord(ip: string | number): number {
  return typeof ip === "number" ? ip | 0 : parseIp(ip) | 0;
}

/** formatIp: 0x0a000001 -> "10.0.0.1". */
export function formatIp(ip: number): string {
  return [24, 16, 8, 0].map((s) => (ip >>> s) & 255).join(".");
}
