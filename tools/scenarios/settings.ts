// tools/scenarios/settings.ts — the knobs a scenario offers (the CLI's flags, the playground's
// controls, the URL fragment's fields): each one's name, kind, default and bounds, and the one
// function that checks a set of values against them.

import { PROFILES, SEMANTICS_NAMES } from "../host/index";
import { ConfigError } from "../host/errors";

export type SettingValue = string | number | boolean;

/** One knob of a scenario (a number is an integer unless it has a step: then any multiple of it). */
export type SettingSpec =
  | { key: string; label: string; kind: "choice"; choices: readonly string[]; default: string; help: string }
  | { key: string; label: string; kind: "number"; min: number; max: number; default: number; help: string; step?: number }
  | { key: string; label: string; kind: "boolean"; default: boolean; help: string };

export type Settings = Record<string, SettingValue>;

const MiB = 1 << 20;

/** The knobs scenarios share, by key. */
export const SETTING = {
  semantics: { key: "semantics", label: "Semantics", kind: "choice", choices: SEMANTICS_NAMES, default: "emulated-copy", help: "data-passing semantics of the transfer" },
  bytes: { key: "bytes", label: "Size (bytes)", kind: "number", min: 1, max: MiB, default: 65536, help: "bytes moved" },
  mtu: { key: "mtu", label: "MTU", kind: "number", min: 0, max: 65535, default: 0, help: "the adapters' MTU (0: the cost profile's)" },
  headerSplit: { key: "headerSplit", label: "Header split", kind: "boolean", default: true, help: "NICs put headers and payload in separate buffers" },
  checksumOffload: { key: "checksumOffload", label: "Checksum offload", kind: "boolean", default: true, help: "NICs compute UDP checksums" },
  earlyDemux: { key: "earlyDemux", label: "Early demux", kind: "boolean", default: true, help: "NICs steer packets to per-socket queues" },
  profile: { key: "profile", label: "Cost profile", kind: "choice", choices: Object.keys(PROFILES), default: "default", help: "CPU and wire costs" },
  memory: { key: "memory", label: "RAM (MiB)", kind: "number", min: 0, max: 1024, default: 0, help: "RAM of each machine in MiB (0: enough for the transfer)" },
  seed: { key: "seed", label: "Seed", kind: "number", min: 0, max: 0xffffffff, default: 1, help: "seed of every random choice" },
} satisfies Record<string, SettingSpec>;

/** defaults: every knob of specs at its default. */
export function defaults(specs: readonly SettingSpec[]): Settings {
  return Object.fromEntries(specs.map((s) => [s.key, s.default]));
}

/**
 * resolveSettings: the defaults of specs overridden by given (strings are parsed: the CLI and
 * the URL hand them over as text); ConfigError naming the knob for an unknown key or a bad value.
 */
export function resolveSettings(specs: readonly SettingSpec[], given: Record<string, unknown>, origin = "settings"): Settings {
  const out = defaults(specs);
  for (const [key, raw] of Object.entries(given)) {
    if (raw === undefined) continue;
    const spec = specs.find((s) => s.key === key);
    if (!spec) throw new ConfigError(`${origin}: unknown setting "${key}" (known: ${specs.map((s) => s.key).join(", ") || "none"})`);
    out[key] = parseValue(spec, raw, origin);
  }
  return out;
}

function parseValue(spec: SettingSpec, raw: unknown, origin: string): SettingValue {
  const bad = (what: string): never => {
    throw new ConfigError(`${origin}: ${spec.key} ${what}, got ${JSON.stringify(raw)}`);
  };
  switch (spec.kind) {
    case "choice": {
      const v = String(raw);
      if (!spec.choices.includes(v)) bad(`must be one of ${spec.choices.join(", ")}`);
      return v;
    }
    case "number": {
      const v = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
      const step = spec.step;
      // a multiple of step, up to the rounding of decimal steps (0.1 / 0.01 is not exactly 10)
      const ok = step === undefined ? Number.isInteger(v) : Number.isFinite(v) && Math.abs(v / step - Math.round(v / step)) < 1e-9;
      if (!ok || v < spec.min || v > spec.max) bad(`must be ${step === undefined ? "an integer" : `a multiple of ${step}`} in ${spec.min}..${spec.max}`);
      return v;
    }
    case "boolean":
      if (raw === true || raw === "true" || raw === "1" || raw === "on") return true;
      if (raw === false || raw === "false" || raw === "0" || raw === "off") return false;
      return bad("must be true or false");
  }
}
