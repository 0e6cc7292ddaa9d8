// tools/host/profile.ts — cost profiles: nanoseconds per unit of each kernel counter.
//
// A profile is data (tools/host/profiles/*.json). Every counter must have a cost and a source;
// simulated CPU time is exactly sum(count x cost), so a missing or malformed entry is rejected
// with a message naming it, never silently taken as zero.
//
//   { "name": "...", "description": "...",
//     "costs": { "<counter>": { "ns": <number >= 0>, "source": "<where the number comes from>" }, ... } }

import { ConfigError } from "./errors";
import { COUNTER_NAMES, type CounterName } from "./counters";
import defaultProfile from "./profiles/default.json";

export interface CostEntry {
  ns: number;
  source: string;
}
export interface Profile {
  name: string;
  description: string;
  costs: Record<CounterName, CostEntry>;
}

/** Profiles shipped with the kernel, by name. */
export const PROFILES: Record<string, unknown> = { default: defaultProfile };

/** validateProfile: the profile if well formed; else a ConfigError naming the bad field. */
export function validateProfile(p: unknown, origin = "profile"): Profile {
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
  return p as Profile;
}

/** getProfile: a shipped profile by name, validated; ConfigError listing the names if unknown. */
export function getProfile(name: string): Profile {
  const p = PROFILES[name];
  if (p === undefined) throw new ConfigError(`unknown profile "${name}" (known: ${Object.keys(PROFILES).join(", ")})`);
  return validateProfile(p, `profile ${name}`);
}
