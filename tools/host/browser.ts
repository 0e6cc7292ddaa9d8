// tools/host/browser.ts — loading the built kernel module in a browser (or a Web Worker): the
// playground serves it beside its scripts as kernel.wasm. The browser bundle uses this file
// wherever the host code names tools/host/node.ts (tools/build/playground.mjs).

import { ConfigError } from "./errors";
import { compileKernel } from "./reset";

let cached: Promise<WebAssembly.Module> | null = null;

/** loadKernel: compile (once) the kernel served beside this script, its globals exported so
 *  that its instances can be reset and reused (tools/host/reset.ts), as in Node. */
export function loadKernel(): Promise<WebAssembly.Module> {
  cached ??= (async () => {
    const url = new URL("kernel.wasm", self.location.href);
    const res = await fetch(url);
    if (!res.ok) throw new ConfigError(`kernel not found: ${url} answered ${res.status}`);
    // Compiled from its bytes, not streamed: the export section is rewritten first.
    return compileKernel(new Uint8Array(await res.arrayBuffer()));
  })();
  return cached;
}
