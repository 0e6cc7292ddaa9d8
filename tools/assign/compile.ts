// tools/assign/compile.ts — compile a kernel tree with the AssemblyScript compiler, into memory.
// No Node built-ins: the grader (build.ts, the tree read from disk) and the playground's compiler
// worker (the tree held in memory) share the options, so both build the same kernel byte for byte.

/** The compiler's API (assemblyscript/asc), passed in: Node imports it, a browser bundles it. */
export type Asc = typeof import("assemblyscript/asc").default;

export interface KernelBuild {
  wasm: Uint8Array<ArrayBuffer> | null;
  /** asc's diagnostics when the build failed ("" when it succeeded). */
  error: string;
  ms: number;
}

/** KERNEL_ENTRY: the kernel's entry point, relative to the tree. */
export const KERNEL_ENTRY = "kernel/index.ts";

/** The grader's build: asconfig.json's debug target (index checks on, names kept), no text file. */
export const GRADE_ARGS = [KERNEL_ENTRY, "--target", "debug", "--outFile", "kernel.wasm", "--textFile", "", "--noColors"];

/** How asc reads a tree (absent: from disk, relative to --baseDir). */
export interface TreeIo {
  readFile?(name: string, baseDir: string): string | null;
  listFiles?(dirname: string, baseDir: string): string[] | null;
}

/** compileKernel: the debug kernel of the tree asc reads through io (extra: more asc arguments). */
export async function compileKernel(asc: Asc, io: TreeIo = {}, extra: string[] = []): Promise<KernelBuild> {
  const t0 = performance.now();
  const files: Record<string, Uint8Array<ArrayBuffer> | string> = {};
  const stderr = asc.createMemoryStream();
  const { error } = await asc.main([...GRADE_ARGS, ...extra], {
    ...io,
    stdout: asc.createMemoryStream(),
    stderr,
    writeFile(name: string, contents: Uint8Array | string) { files[name] = contents as Uint8Array<ArrayBuffer> | string; },
  });
  const ms = performance.now() - t0;
  const wasm = files["kernel.wasm"];
  if (error || !(wasm instanceof Uint8Array)) {
    const diagnostics = stderr.toString().split("\n\n").filter((d) => /ERROR/.test(d)).join("\n\n");
    return { wasm: null, error: `${error?.message ?? "asc wrote no kernel"}\n${diagnostics}`.trim(), ms };
  }
  return { wasm, error: "", ms };
}

/** join: a/b relative paths, "." and ".." resolved (never above the tree's root). */
function joinPath(base: string, name: string): string {
  const out: string[] = [];
  for (const part of `${base}/${name}`.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return out.join("/");
}

/** memoryTree: asc's view of a tree held in memory (path relative to the tree -> text). */
export function memoryTree(files: ReadonlyMap<string, string>): Required<TreeIo> {
  return {
    readFile: (name, baseDir) => files.get(joinPath(baseDir, name)) ?? null,
    listFiles(dirname, baseDir) {
      const dir = joinPath(baseDir, dirname);
      const prefix = dir ? dir + "/" : "";
      return [...files.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes("/")).map((p) => p.slice(prefix.length));
    },
  };
}

/** Where a diagnostic points: asc ends each with "in FILE(LINE,COLUMN)". */
export interface Diagnostic {
  text: string;
  file: string | null;
  line: number;
  column: number;
}

/** diagnostics: the build error split into asc's diagnostics, each with its file and line. */
export function diagnostics(error: string): Diagnostic[] {
  return error.split("\n\n").filter((d) => d.trim()).map((text) => {
    const at = /\bin (\S+?)\((\d+),(\d+)\)/.exec(text);
    return at ? { text, file: at[1], line: Number(at[2]), column: Number(at[3]) } : { text, file: null, line: 0, column: 0 };
  });
}
