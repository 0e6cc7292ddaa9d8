// tools/cli/serve.ts — `genie serve [--port N]`: serve the built playground (build/playground)
// on 127.0.0.1 until Ctrl-C. The port: --port, else $PORT, else a free one.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../host/node";
import { serve } from "../playground/serve";
import { parseFlags } from "./bench";
import { UsageError } from "./usage";

export const SERVE_USAGE = `  serve [--port N]          serve the playground (build it first: npm run build) on
                            127.0.0.1, port N or $PORT or a free one; Ctrl-C stops it
`;

/** runServe: `genie serve`; resolves (0) when interrupted. */
export async function runServe(args: string[]): Promise<number> {
  const flags = parseFlags("serve", args, { port: true });
  const raw = (flags.get("port") as string | undefined) ?? process.env.PORT ?? "0";
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new UsageError(`serve: port "${raw}" is not in 0..65535`);
  const dir = join(projectRoot(), "build", "playground");
  if (!existsSync(join(dir, "index.html"))) throw new UsageError(`serve: ${dir} has no playground (run npm run build)`);
  const { server, url } = await serve(dir, port);
  process.stdout.write(`Genie playground: ${url}  (Ctrl-C stops it)\n`);
  return new Promise((done) => {
    const stop = () => {
      server.close();
      server.closeAllConnections();
      done(0);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
