// tools/cli/disasm.ts — `genie disasm [FUNCTION]`: what the AssemblyScript became.
//
// Reads the debug kernel (its name section keeps source names such as vm/frame/frameAlloc),
// converts it to WebAssembly text with wabt, and prints the whole module or the functions
// whose name contains FUNCTION.

import { readFile } from "node:fs/promises";
import { kernelPath } from "../host/node";
import { GenieCommand } from "./command";

/** kernelText: the WebAssembly text of a built kernel module. */
export async function kernelText(bytes: Uint8Array): Promise<string> {
  const { default: initWabt } = await import("wabt"); // large: loaded only for disasm
  const wabt = await initWabt();
  const mod = wabt.readWasm(bytes, { readDebugNames: true });
  try {
    mod.applyNames();
    return mod.toText({ foldExprs: false, inlineExport: false });
  } finally {
    mod.destroy();
  }
}

/** functionsMatching: the (func ...) blocks of text whose $name contains part. */
export function functionsMatching(text: string, part: string): string[] {
  const out: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^  \(func \$(\S+)/.exec(lines[i]);
    if (!m || !m[1].includes(part)) continue;
    let j = i + 1;
    while (j < lines.length && !/^  \(/.test(lines[j])) j++;
    out.push(lines.slice(i, j).join("\n"));
    i = j - 1;
  }
  return out;
}

/** disasmCommand: `genie disasm [FUNCTION] [--release]`. */
export function disasmCommand(): GenieCommand {
  return new GenieCommand("disasm")
    .description("print the WebAssembly text of the kernel, or of the functions whose name contains FUNCTION (debug build: source names kept)")
    .argument("[FUNCTION]", "part of a function's name, e.g. frameAlloc or vm/fault")
    .option("--release", "the release build (optimised) instead of the debug build")
    .action(async (part: string | undefined, o: { release?: boolean }) => void (process.exitCode = await runDisasm(part, !!o.release)));
}

/** runDisasm: print the kernel's text, or the functions matching part; the exit status. */
export async function runDisasm(part: string | undefined, release: boolean): Promise<number> {
  const path = kernelPath(release ? "release" : "debug");
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    process.stderr.write(`genie: kernel not built: ${path} is missing (run npm run build)\n`);
    return 1;
  }
  const text = await kernelText(bytes);
  if (part === undefined) {
    process.stdout.write(text);
    return 0;
  }
  const funcs = functionsMatching(text, part);
  if (funcs.length === 0) {
    const names = [...text.matchAll(/^  \(func \$(\S+)/gm)].map((m) => m[1]);
    process.stderr.write(`genie: no kernel function name contains "${part}"; there are ${names.length}, e.g. ${names.filter((n) => /^(vm|kernel)\//.test(n)).slice(0, 8).join(", ")}\n`);
    return 1;
  }
  process.stdout.write(funcs.join("\n\n") + "\n");
  return 0;
}
