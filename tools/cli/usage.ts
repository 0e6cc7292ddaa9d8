// tools/cli/usage.ts — a bad command line: printed with the usage text, exit status 2.
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
