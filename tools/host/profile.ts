// tools/host/profile.ts — cost profiles: nanoseconds per unit of each kernel counter, and the
// network the profile's machines sit on.
//
// A profile is data (tools/host/profiles/*.json). Every counter must have a cost and a source;
// simulated CPU time is exactly sum(count x cost), so a missing or malformed entry is rejected
// with a message naming it, never silently taken as zero. The wire section is held to the same
// rule: every number carries its source.
//
//   { "name": "...", "description": "...",
//     "costs": { "<counter>": { "ns": <number >= 0>, "source": "<where the number comes from>" }, ... },
//     "wire":  { "<parameter>": { "value": <number>, "source": "..." }, ... },
//     "nic":   { "<feature>": { "value": <boolean>, "source": "..." }, ... } }
//
// Wire parameters (tools/host/wire.ts says how each is used):
//   bandwidthBps       raw bits per second of each direction (> 0)            required
//   latencyNs          propagation delay, ns (>= 0)                           required
//   perFrameOverhead   bytes added to every frame (AAL5 trailer, Ethernet
//                      preamble + FCS + gap), integer >= 0                    required
//   mtu                the adapters' MTU, 68..65535                           required
//   cellPayload        cell framing: payload bytes per cell (ATM 48)          optional, with cellSize
//   cellSize           bytes per cell on the wire (ATM 53)                    optional, with cellPayload
//   minFrameBytes      frames are padded to this length (Ethernet 60)         optional
//
// Adapter features (the nic section; all three required when it is there): headerSplit,
// checksumOffload, earlyDemux (tools/host/nic.ts). They are the platform's adapter: the defaults
// of machines of the profile, which a benchmark's flags override (profileNic).
//
// The shipped profiles (getProfile) must have a wire section and a nic section. A profile object given to a lone
// machine may leave it out (a machine does not need a wire); if present, it is checked in full.

import { ConfigError } from "./errors";
import { COUNTER_NAMES, type CounterName } from "./counters";
import type { WireOptions } from "./wire";
import defaultProfile from "./profiles/default.json";
import creditNet1997 from "./profiles/credit-net-1997.json";
import server2025 from "./profiles/server-2025.json";

export interface CostEntry {
  ns: number;
  source: string;
}
export interface WireEntry {
  value: number;
  source: string;
}
export interface WireProfile {
  bandwidthBps: WireEntry;
  latencyNs: WireEntry;
  perFrameOverhead: WireEntry;
  mtu: WireEntry;
  cellPayload?: WireEntry;
  cellSize?: WireEntry;
  minFrameBytes?: WireEntry;
}
export interface NicEntry {
  value: boolean;
  source: string;
}
/** The adapter features a profile's nic section names, in order. */
export const NIC_FEATURES = ["headerSplit", "checksumOffload", "earlyDemux"] as const;
export type NicFeature = (typeof NIC_FEATURES)[number];
/** An adapter: each feature on or off. */
export type NicFeatures = Record<NicFeature, boolean>;
export interface Profile {
  name: string;
  description: string;
  costs: Record<CounterName, CostEntry>;
  /** The network between machines of this profile (required in shipped profiles). */
  wire?: WireProfile;
  /** The platform's network adapter (required in shipped profiles). */
  nic?: Record<NicFeature, NicEntry>;
}

/** Profiles shipped with the kernel, by name. */
export const PROFILES: Record<string, unknown> = { default: defaultProfile, "credit-net-1997": creditNet1997, "server-2025": server2025 };

/** The wire parameters: [name, required, integer, min, max]. */
const WIRE_FIELDS: [keyof WireProfile, boolean, boolean, number, number][] = [
  ["bandwidthBps", true, false, Number.MIN_VALUE, Infinity],
  ["latencyNs", true, false, 0, Infinity],
  ["perFrameOverhead", true, true, 0, 65535],
  ["mtu", true, true, 68, 65535],
  ["cellPayload", false, true, 1, 65535],
  ["cellSize", false, true, 1, 65535],
  ["minFrameBytes", false, true, 0, 65535],
];

/** validateProfile: the profile if well formed; else a ConfigError naming the bad field.
 *  opts.wire / opts.nic: the wire / nic section is required (as in every shipped profile). */
export function validateProfile(p: unknown, origin = "profile", opts: { wire?: boolean; nic?: boolean } = {}): Profile {
  const fail = (field: string, what: string): never => {
    throw new ConfigError(`${origin}: ${field}: ${what}`);
  };
  if (typeof p !== "object" || p === null || Array.isArray(p)) fail("(top level)", "must be a JSON object");
  const o = p as Record<string, unknown>;
  if (typeof o.name !== "string" || o.name === "") fail("name", "must be a non-empty string");
  if (typeof o.description !== "string") fail("description", "must be a string");
  if (typeof o.costs !== "object" || o.costs === null || Array.isArray(o.costs)) fail("costs", "must be an object of counter -> { ns, source }");
  const costs = o.costs as Record<string, unknown>;
  for (const key of Object.keys(costs))
    if (!(COUNTER_NAMES as string[]).includes(key)) fail(`costs.${key}`, `is not a kernel counter (known: ${COUNTER_NAMES.join(", ")})`);
  for (const name of COUNTER_NAMES) {
    const e = costs[name] as Record<string, unknown> | undefined;
    if (e === undefined) fail(`costs.${name}`, "is missing (every counter needs a cost, 0 if the CPU does not pay for it)");
    if (typeof e !== "object" || e === null) fail(`costs.${name}`, "must be an object { ns, source }");
    if (typeof e!.ns !== "number" || !Number.isFinite(e!.ns) || e!.ns < 0) fail(`costs.${name}.ns`, `must be a finite number >= 0, got ${JSON.stringify(e!.ns)}`);
    if (typeof e!.source !== "string" || e!.source.trim() === "") fail(`costs.${name}.source`, "must say where the number comes from");
  }
  if (o.wire === undefined) {
    if (opts.wire) fail("wire", `is missing (an object of parameter -> { value, source }: ${WIRE_FIELDS.map((f) => f[0]).join(", ")})`);
  } else validateWire(o.wire, fail);
  if (o.nic === undefined) {
    if (opts.nic) fail("nic", `is missing (an object of feature -> { value, source }: ${NIC_FEATURES.join(", ")})`);
  } else validateNic(o.nic, fail);
  return p as Profile;
}

function validateNic(n: unknown, fail: (field: string, what: string) => never): void {
  if (typeof n !== "object" || n === null || Array.isArray(n)) fail("nic", "must be an object of feature -> { value, source }");
  const nic = n as Record<string, unknown>;
  for (const key of Object.keys(nic))
    if (!(NIC_FEATURES as readonly string[]).includes(key)) fail(`nic.${key}`, `is not an adapter feature (known: ${NIC_FEATURES.join(", ")})`);
  for (const name of NIC_FEATURES) {
    const e = nic[name] as Record<string, unknown> | undefined;
    if (e === undefined) fail(`nic.${name}`, "is missing (the adapter says whether it has each feature)");
    if (typeof e !== "object" || e === null) fail(`nic.${name}`, "must be an object { value, source }");
    if (typeof e!.value !== "boolean") fail(`nic.${name}.value`, `must be true or false, got ${JSON.stringify(e!.value)}`);
    if (typeof e!.source !== "string" || e!.source.trim() === "") fail(`nic.${name}.source`, "must say where the value comes from");
  }
}

/** profileNic: the adapter of machines of profile p (its nic section; a plain adapter without
 *  one), each feature replaced where over gives it (flags). */
export function profileNic(p: Profile, over: Partial<NicFeatures> = {}): NicFeatures {
  const out = {} as NicFeatures;
  for (const f of NIC_FEATURES) out[f] = over[f] ?? p.nic?.[f].value ?? false;
  return out;
}

/** nicText: an adapter in words, e.g. "early demux, checksum offload" ("plain": none). */
export function nicText(n: NicFeatures): string {
  const on = [n.earlyDemux && "early demux", n.checksumOffload && "checksum offload", n.headerSplit && "header split"].filter(Boolean);
  return on.length ? on.join(", ") : "plain";
}

function validateWire(w: unknown, fail: (field: string, what: string) => never): void {
  if (typeof w !== "object" || w === null || Array.isArray(w)) fail("wire", "must be an object of parameter -> { value, source }");
  const wire = w as Record<string, unknown>;
  for (const key of Object.keys(wire))
    if (!WIRE_FIELDS.some((f) => f[0] === key)) fail(`wire.${key}`, `is not a wire parameter (known: ${WIRE_FIELDS.map((f) => f[0]).join(", ")})`);
  for (const [name, required, integer, min, max] of WIRE_FIELDS) {
    const e = wire[name] as Record<string, unknown> | undefined;
    if (e === undefined) {
      if (required) fail(`wire.${name}`, "is missing (every profile says what network its machines are on)");
      continue;
    }
    if (typeof e !== "object" || e === null) fail(`wire.${name}`, "must be an object { value, source }");
    const v = e!.value;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
      fail(`wire.${name}.value`, `must be a finite ${integer ? "integer" : "number"} ${max === Infinity ? (min > 0 ? "> 0" : `>= ${min}`) : `in ${min}..${max}`}, got ${JSON.stringify(v)}`);
    if (typeof e!.source !== "string" || e!.source.trim() === "") fail(`wire.${name}.source`, "must say where the number comes from");
  }
  if ((wire.cellPayload === undefined) !== (wire.cellSize === undefined))
    fail(wire.cellPayload === undefined ? "wire.cellPayload" : "wire.cellSize", "must be given together with the other of cellPayload / cellSize");
  const cell = wire as unknown as WireProfile;
  if (cell.cellPayload && cell.cellSize && cell.cellSize.value < cell.cellPayload.value)
    fail("wire.cellSize.value", `must be >= cellPayload (${cell.cellPayload.value}), got ${cell.cellSize.value}`);
}

/** wireOptions: the options of a wire between machines of profile (connect, tools/host/nic.ts);
 *  ConfigError if the profile has no wire section. */
export function wireOptions(p: Profile): WireOptions {
  const w = p.wire;
  if (!w) throw new ConfigError(`profile ${p.name}: wire: is missing (no network parameters to build a wire from)`);
  const o: WireOptions = { name: `${p.name} wire`, bandwidthBps: w.bandwidthBps.value, latencyNs: w.latencyNs.value, perFrameOverhead: w.perFrameOverhead.value };
  if (w.cellPayload && w.cellSize) {
    o.cellPayload = w.cellPayload.value;
    o.cellSize = w.cellSize.value;
  }
  if (w.minFrameBytes) o.minFrameBytes = w.minFrameBytes.value;
  return o;
}

/** profileMtu: the MTU of the adapters of machines of profile; ConfigError without a wire section. */
export function profileMtu(p: Profile): number {
  if (!p.wire) throw new ConfigError(`profile ${p.name}: wire: is missing (no MTU)`);
  return p.wire.mtu.value;
}

/** getProfile: a shipped profile by name, validated; ConfigError listing the names if unknown. */
export function getProfile(name: string): Profile {
  const p = PROFILES[name];
  if (p === undefined) throw new ConfigError(`unknown profile "${name}" (known: ${Object.keys(PROFILES).join(", ")})`);
  return validateProfile(p, `profile ${name}`, { wire: true, nic: true });
}
