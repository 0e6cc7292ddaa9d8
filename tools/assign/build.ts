// tools/assign/build.ts — compile a tree's kernel on disk (compile.ts: the grader's options)
// with the AssemblyScript compiler in this process, into memory: nothing is written to the tree.
// (The time reported is the compilation's; loading the compiler the first time is not in it.)

import { compileKernel, type KernelBuild } from "./compile";

export { KERNEL_ENTRY, type KernelBuild } from "./compile";

/** buildKernel: the debug kernel of the tree at dir. */
export async function buildKernel(dir: string): Promise<KernelBuild> {
  const { default: asc } = await import("assemblyscript/asc"); // loaded only to build (about 1 s)
  return compileKernel(asc, {}, ["--baseDir", dir]);
}
