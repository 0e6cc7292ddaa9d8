// test/unit/as-unit.test.ts — runs the AssemblyScript unit tests in test/unit/as/.
//
// Each test/unit/as/<name>.test.ts is compiled in-process with the asc API (debug build,
// incremental runtime) and every exported test_*() function becomes one vitest test, run on a
// fresh instance so tests never see each other's state. A test fails when it calls
// assert(false, msg) (or traps); the error carries the message and the AS source position.
// Host imports the kernel modules declare (host.trace, ...) are stubbed with no-ops.

import { describe, it } from "vitest";
import asc from "assemblyscript/asc";
import { readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dir = join(root, "test", "unit", "as");
const files = readdirSync(dir)
  .filter((f: string) => f.endsWith(".test.ts"))
  .sort();

/** compile: the wasm binary of one AS test file; throws with asc's diagnostics on error. */
async function compile(file: string): Promise<Uint8Array<ArrayBuffer>> {
  const out: Record<string, Uint8Array | string> = {};
  const stderr = asc.createMemoryStream();
  const { error } = await asc.main(
    [
      relative(root, join(dir, file)),
      "--baseDir", root,
      "--config", "asconfig.test.json",
      "--outFile", "out.wasm",
      "--runtime", "incremental",
      "--debug",
      "--noColors",
    ],
    {
      stderr,
      writeFile: (name: string, contents: Uint8Array | string) => {
        out[name] = contents;
      },
    },
  );
  if (error) throw new Error(`asc ${file}: ${error.message}\n${stderr.toString()}`);
  const bin = out["out.wasm"];
  if (!(bin instanceof Uint8Array)) throw new Error(`asc ${file}: no wasm output`);
  return new Uint8Array(bin);
}

/** liftString: the AS string at pointer p (UTF-16, length in the header's rtSize field). */
function liftString(mem: WebAssembly.Memory, p: number): string | null {
  if (!p) return null;
  const bytes = new Uint32Array(mem.buffer)[(p - 4) >>> 2];
  return String.fromCharCode(...new Uint16Array(mem.buffer, p, bytes >>> 1));
}

/** testName: the spec sentence of an export, test_checksum_of_x -> "checksum of x". */
const testName = (exp: string): string => exp.slice("test_".length).replaceAll("_", " ");

for (const file of files) {
  const mod = await WebAssembly.compile(await compile(file));
  const tests = WebAssembly.Module.exports(mod).filter((e) => e.kind === "function" && e.name.startsWith("test_"));
  describe(file, () => {
    if (tests.length === 0)
      it("exports at least one test_* function", () => {
        throw new Error(`${file} exports no test_* function`);
      });
    for (const { name } of tests) {
      it(testName(name), async () => {
        let mem: WebAssembly.Memory | undefined;
        const imports: Record<string, Record<string, unknown>> = {
          env: {
            abort(msg: number, fileName: number, line: number, col: number): never {
              throw new Error(`${liftString(mem!, msg)} at ${liftString(mem!, fileName)}:${line}:${col}`);
            },
          },
        };
        for (const imp of WebAssembly.Module.imports(mod))
          if (imp.kind === "function") (imports[imp.module] ??= {})[imp.name] ??= () => 0;
        const instance = await WebAssembly.instantiate(mod, imports as WebAssembly.Imports);
        mem = instance.exports.memory as WebAssembly.Memory;
        (instance.exports[name] as () => void)();
      });
    }
  });
}
