// tools/cli/genie.ts — the `genie` command.
//
//   genie demo                 boot a machine and narrate what the kernel does
//   genie scenarios / run SCENARIO   the scenario registry (tools/scenarios), one run
//   genie serve [--port N]     build nothing; serve the built playground (build/playground)
//   genie disasm [FUNCTION]    WebAssembly text of the kernel (or of one function)
//   genie bench BENCHMARK ...  benchmarks: datagram (simulated time), wallclock (the simulator's speed)
//   genie mkfs IMAGE / fsck IMAGE   make / check a file-system disk image
//   genie help                 this text

import { BENCH_USAGE, runBench } from "./bench";
import { runDemo, runNetDemo } from "./demo";
import { runDisasm } from "./disasm";
import { FS_USAGE, runFsck, runMkfs } from "./fs";
import { RUN_USAGE, runRun, runScenarios } from "./run";
import { SERVE_USAGE, runServe } from "./serve";
import { UsageError } from "./usage";

const USAGE = `usage: genie <command> [options]

commands:
  demo                      boot a machine and narrate what the kernel does
  disasm [FUNCTION] [--release]
                            print the WebAssembly text of the kernel, or of the functions
                            whose name contains FUNCTION (debug build: names kept)
${RUN_USAGE}${SERVE_USAGE}${BENCH_USAGE}${FS_USAGE}  help                      show this text
`;


async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "demo":
      if (rest.length) throw new UsageError(`demo takes no arguments (got ${rest.join(" ")})`);
      await runDemo();
      await runNetDemo();
      return 0;
    case "scenarios":
      return runScenarios(rest);
    case "run":
      return runRun(rest);
    case "serve":
      return runServe(rest);
    case "disasm":
      return runDisasm(rest);
    case "bench":
      return runBench(rest);
    case "mkfs":
      return runMkfs(rest);
    case "fsck":
      return runFsck(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`genie: ${e.message}\n\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`genie: ${e?.name === "ConfigError" ? e.message : e?.stack ?? e}\n`);
    process.exit(1);
  },
);
