// tools/cli/usage.ts — a mistake on the command line: one line naming it, a hint pointing to
// the command's --help, exit status 2 (tools/cli/genie.ts prints it).
export class UsageError extends Error {
  /** message: what is wrong (without "genie: "); command: the command's words, e.g. "bench datagram". */
  constructor(message: string, readonly command = "") {
    super(message);
    this.name = "UsageError";
  }
}
