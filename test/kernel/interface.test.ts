// The hardware/kernel interface: the built kernel imports and exports exactly what
// tools/host/kernel.ts documents (KERNEL_IMPORTS, KERNEL_EXPORTS). Whoever adds an import (a
// doorbell, a disk request) or an export (an interrupt, an inspection call) documents it there.

import { describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import initWabt from "wabt";
import { KERNEL_EXPORTS, KERNEL_IMPORTS } from "../../tools/host/kernel";
import { kernelPath } from "../../tools/host/node";

/** interfaceProblems: every way module's imports and exports differ from the documented lists. */
function interfaceProblems(
  what: string,
  mod: WebAssembly.Module,
  imports: Record<string, string>,
  exports: Record<string, string>,
): string[] {
  const out: string[] = [];
  const imps = WebAssembly.Module.imports(mod);
  const exps = WebAssembly.Module.exports(mod);
  const impNames = imps.map((i) => `${i.module}.${i.name}`);
  const expNames = exps.map((e) => e.name);
  for (const i of imps) {
    const n = `${i.module}.${i.name}`;
    if (!(n in imports)) out.push(`${what} imports ${n}, which KERNEL_IMPORTS does not document`);
    else if (i.kind !== "function") out.push(`${what} imports ${n} as a ${i.kind}, not a function`);
  }
  for (const n of Object.keys(imports))
    if (!impNames.includes(n)) out.push(`KERNEL_IMPORTS documents ${n}, which ${what} does not import`);
  for (const e of exps) {
    if (!(e.name in exports)) out.push(`${what} exports ${e.name}, which KERNEL_EXPORTS does not document`);
    else if (e.kind !== (e.name === "memory" ? "memory" : "function"))
      out.push(`${what} exports ${e.name} as a ${e.kind}`);
  }
  for (const n of Object.keys(exports))
    if (!expNames.includes(n)) out.push(`KERNEL_EXPORTS documents ${n}, which ${what} does not export`);
  return out;
}

async function built(target: "release" | "debug"): Promise<WebAssembly.Module> {
  const path = kernelPath(target);
  const bytes = await readFile(path).catch(() => {
    throw new Error(`${path} is missing: run npm run build`);
  });
  return WebAssembly.compile(bytes);
}

describe("kernel interface", () => {
  for (const target of ["release", "debug"] as const) {
    it(`${target}.wasm imports exactly KERNEL_IMPORTS and exports exactly KERNEL_EXPORTS`, async () => {
      const mod = await built(target);
      expect(interfaceProblems(`${target}.wasm`, mod, KERNEL_IMPORTS, KERNEL_EXPORTS)).toEqual([]);
    });
  }

  it("every documented entry says what it does", () => {
    for (const [name, doc] of Object.entries({ ...KERNEL_IMPORTS, ...KERNEL_EXPORTS }))
      expect(doc.length, `documentation of ${name}`).toBeGreaterThan(20);
  });

  it("the check names an undocumented import or export, and a documented one that is missing", async () => {
    const wabt = await initWabt();
    const wat = `(module
      (import "env" "abort" (func (param i32 i32 i32 i32)))
      (import "host" "doorbell" (func (param i32)))
      (memory (export "memory") 1)
      (func (export "boot") (param i32 i32) (result i32) i32.const 0)
      (func (export "secretPeek") (result i32) i32.const 0))`;
    const m = wabt.parseWat("probe.wat", wat);
    const { buffer } = m.toBinary({});
    m.destroy();
    const mod = await WebAssembly.compile(new Uint8Array(buffer));
    const problems = interfaceProblems(
      "probe.wasm",
      mod,
      { "env.abort": "abort", "host.trace": "trace" },
      { memory: "memory", boot: "boot", spawn: "spawn" },
    );
    expect(problems).toEqual([
      "probe.wasm imports host.doorbell, which KERNEL_IMPORTS does not document",
      "KERNEL_IMPORTS documents host.trace, which probe.wasm does not import",
      "probe.wasm exports secretPeek, which KERNEL_EXPORTS does not document",
      "KERNEL_EXPORTS documents spawn, which probe.wasm does not export",
    ]);
  });
});
