// tools/assign/build.ts — compile a tree's kernel (debug target: index checks on, names kept)
// with the AssemblyScript compiler in this process, into memory: nothing is written to the tree.
// (The time reported is the compilation's; loading the compiler the first time is not in it.)

export interface KernelBuild {
  wasm: Uint8Array<ArrayBuffer> | null;
  /** asc's diagnostics when the build failed ("" when it succeeded). */
  error: string;
  ms: number;
}

/** KERNEL_ENTRY: the kernel's entry point, relative to the tree. */
export const KERNEL_ENTRY = "kernel/index.ts";

/** buildKernel: the debug kernel of the tree at dir. */
export async function buildKernel(dir: string): Promise<KernelBuild> {
  const { default: asc } = await import("assemblyscript/asc"); // loaded only to build (about 1 s)
  const t0 = performance.now();
  const files: Record<string, Uint8Array<ArrayBuffer> | string> = {};
  const stderr = asc.createMemoryStream();
  const { error } = await asc.main(
    [KERNEL_ENTRY, "--target", "debug", "--outFile", "kernel.wasm", "--textFile", "", "--baseDir", dir, "--noColors"],
    {
      stdout: asc.createMemoryStream(),
      stderr,
      writeFile(name: string, contents: Uint8Array | string) { files[name] = contents as Uint8Array<ArrayBuffer> | string; },
    },
  );
  const ms = performance.now() - t0;
  const wasm = files["kernel.wasm"];
  if (error || !(wasm instanceof Uint8Array)) {
    const diagnostics = stderr.toString().split("\n\n").filter((d) => /ERROR/.test(d)).join("\n\n");
    return { wasm: null, error: `${error?.message ?? "asc wrote no kernel"}\n${diagnostics}`.trim(), ms };
  }
  return { wasm, error: "", ms };
}
