// tools/cli/serve.ts — `genie serve [--port N]`: serve the built playground (build/playground)
// on 127.0.0.1 until Ctrl-C. The port: --port, else $PORT, else a free one.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../host/node";
import { serve } from "../playground/serve";
import { GenieCommand, valueOption } from "./command";
import { UsageError } from "./usage";

/** serveCommand: `genie serve [--port N]`. */
export function serveCommand(): GenieCommand {
  return new GenieCommand("serve")
    .description("serve the playground (build it first: npm run build) on 127.0.0.1 until Ctrl-C")
    .addOption(valueOption("--port <N>", "the port, 0..65535 (default: $PORT, else a free one)"))
    .action(async (o: { port?: string }) => void (process.exitCode = await runServe(o.port)));
}

/** runServe: `genie serve`; resolves (0) when interrupted. */
export async function runServe(given?: string): Promise<number> {
  const raw = given ?? process.env.PORT ?? "0";
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new UsageError(`serve: port "${raw}" is not in 0..65535`, "serve");
  const dir = join(projectRoot(), "build", "playground");
  if (!existsSync(join(dir, "index.html"))) throw new UsageError(`serve: ${dir} has no playground (run npm run build)`, "serve");
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
