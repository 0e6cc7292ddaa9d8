// tools/playground/assign/compiler.ts — the Web Worker that compiles a student's kernel: the
// AssemblyScript compiler (asc, bundled; binaryen beside it as binaryen.js, loaded as this
// worker starts: seconds) over the tree held in memory, with the grader's options
// (tools/assign/compile.ts), so it builds what `genie grade` builds.
//
//   worker -> page  { ready: ms }                      once loaded (a message sent before is lost)
//   page -> worker  { id, files: [path, text][] }
//   worker -> page  { id, wasm, error, ms }            wasm: null and error: asc's diagnostics

import asc from "assemblyscript/asc";
import { compileKernel, memoryTree, type KernelBuild } from "../../assign/compile";

export interface CompileRequest {
  id: number;
  files: [string, string][];
}

export type CompileReply = KernelBuild & { id: number };

const post = (m: CompileReply | { ready: number }, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

self.onmessage = async (e: MessageEvent<CompileRequest>) => {
  const { id, files } = e.data;
  let reply: CompileReply;
  try {
    reply = { id, ...(await compileKernel(asc, memoryTree(new Map(files)))) };
  } catch (err) {
    reply = { id, wasm: null, error: `the compiler failed: ${(err as Error)?.message ?? String(err)}`, ms: 0 };
  }
  post(reply, reply.wasm ? [reply.wasm.buffer] : []);
};

post({ ready: performance.now() });
