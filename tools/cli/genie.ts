// tools/cli/genie.ts — the `genie` command (commander, through tools/cli/command.ts).
//
//   genie demo [--pcap FILE]      boot a machine and narrate what the kernel does; then a datagram
//                                 between two machines under four semantics
//   genie scenarios / run SCENARIO  the scenario registry (tools/scenarios), one run
//   genie serve [--port N]        serve the built playground (build/playground)
//   genie disasm [FUNCTION]       WebAssembly text of the kernel (or of some functions)
//   genie bench BENCHMARK ...     datagram, peers, filenet, ... (simulated time), wallclock (the simulator's speed)
//   genie mkfs IMAGE / fsck IMAGE make / check a file-system disk image
//   genie assign / grade          course assignments: student trees and the autograder (tools/assign)
//   genie help [COMMAND]          the usage of genie or of a command (also: genie COMMAND --help)
//
// Exit status: the command's; 2 for a mistake on the command line, told in one line and a hint
// to the command's --help; 1 for anything else the user can fix (no kernel built, a file that
// cannot be read or written), told in one line. Only a fault of genie's own prints a stack trace.

import { assignCommand, gradeCommand } from "./assign";
import { benchCommand } from "./bench";
import { Capture, pcapOption } from "./capture";
import { GenieCommand } from "./command";
import { runDemo, runNetDemo } from "./demo";
import { disasmCommand } from "./disasm";
import { fsckCommand, mkfsCommand } from "./fs";
import { runCommand, scenariosCommand } from "./run";
import { serveCommand } from "./serve";
import { UsageError } from "./usage";

/** genieProgram: the command tree. */
export function genieProgram(): GenieCommand {
  const program = new GenieCommand("genie")
    .usage("<command> [options]")
    .description("Genie, a teaching kernel for copy-avoiding I/O, on a simulated machine")
    .addHelpText("after", "\nrun 'genie <command> --help' for a command's options");

  program.command("demo")
    .description("boot a 2-CPU machine and narrate faults, fork, copy-on-write, a shootdown and a segmentation fault; " +
      "then send a datagram between two machines under copy, emulated copy, share and move, with the counters of each")
    .addOption(pcapOption("the datagrams between the two machines"))
    .action(async (o: { pcap?: string }) => {
      const capture = o.pcap === undefined ? null : new Capture(o.pcap);
      await runDemo();
      await runNetDemo(console.log, capture ? () => capture.wire() : undefined);
      if (capture) process.stderr.write(capture.save().join("\n") + "\n");
    });
  const grade = gradeCommand(new URL("./grade-worker.mjs", import.meta.url));
  for (const c of [scenariosCommand(), runCommand(), serveCommand(), disasmCommand(), benchCommand(), mkfsCommand(), fsckCommand(), assignCommand(), grade])
    program.addCommand(c);

  // Help and version end the run through a CommanderError (exit status 0), never process.exit.
  const all = (c: GenieCommand): GenieCommand[] => [c, ...c.commands.flatMap((s) => all(s as GenieCommand))];
  for (const c of all(program)) c.exitOverride();
  return program;
}

const SYSTEM_ERRORS: Record<string, string> = {
  ENOENT: "no such file or folder", EACCES: "permission denied", EPERM: "not permitted", EISDIR: "is a folder",
  ENOTDIR: "a part of the path is not a folder", ENOSPC: "no space left on the device", EROFS: "read-only file system",
  EEXIST: "already exists", EMFILE: "too many open files",
};

/** report: tell the user what went wrong; the exit status. */
function report(e: unknown): number {
  const err = e as Error & { code?: string; exitCode?: number; path?: string; syscall?: string };
  if (e instanceof UsageError) {
    process.stderr.write(`genie: ${e.message}\nrun 'genie ${e.command ? e.command + " " : ""}--help' for usage\n`);
    return 2;
  }
  if (err?.name === "CommanderError") return err.exitCode ?? 1; // help shown
  if (err?.name === "ConfigError") {
    process.stderr.write(`genie: ${err.message}\n`);
    return 1;
  }
  if (typeof err?.code === "string" && err.code in SYSTEM_ERRORS && err.syscall) {
    process.stderr.write(`genie: cannot ${err.syscall} ${err.path ?? ""}: ${SYSTEM_ERRORS[err.code]}\n`);
    return 1;
  }
  process.stderr.write(`genie: ${err?.stack ?? e}\n`);
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const program = genieProgram();
  if (argv.length === 0) {
    process.stdout.write(program.helpInformation());
    return 0;
  }
  // `genie help bench datagram` is `genie bench datagram --help` (commander's help takes one word)
  const words = argv[0] === "help" && argv.length > 2 ? [...argv.slice(1), "--help"] : argv;
  await program.parseAsync(words, { from: "user" });
  return Number(process.exitCode ?? 0);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => process.exit(report(e)),
);
