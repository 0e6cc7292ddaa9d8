// tools/cli/command.ts — the genie command line on commander: every command is a GenieCommand,
// so that every mistake commander finds (unknown option or command, missing value, missing
// required option, extra argument) and every bad option value becomes one UsageError
//
//   genie: bench datagram: --mtu "9e3" is not an integer in 68..65535
//   run 'genie bench datagram --help' for usage
//
// and values are parsed as they are read (valueOption), each parser naming its option.

import { Command, InvalidArgumentError, Option, type HelpContext } from "commander";
import { UsageError } from "./usage";

/** A command whose mistakes are UsageErrors naming it. */
export class GenieCommand extends Command {
  /** What the subcommands are, for "unknown benchmark" (default "command"). */
  subcommandNoun = "command";

  override createCommand(name?: string): GenieCommand {
    return new GenieCommand(name);
  }

  /** words: the command's words after "genie", e.g. "bench datagram" ("" for genie itself). */
  words(): string {
    const w: string[] = [];
    for (let c: Command | null = this; c?.parent; c = c.parent) w.unshift(c.name());
    return w.join(" ");
  }

  /** error: commander's report of a mistake, rewritten into one line and thrown. */
  override error(message: string, opts?: { code?: string; exitCode?: number }): never {
    // commander looks for missing required options before unknown ones: a misspelt required
    // option would be reported as missing; report the misspelling (with a suggestion).
    const stray = this.args.find((a) => /^-./.test(a));
    if (opts?.code === "commander.missingMandatoryOptionValue" && stray) (this as unknown as { unknownOption(f: string): never }).unknownOption(stray);
    throw new UsageError(this.rewrite(message.replace(/^error: /, ""), opts?.code ?? ""), this.words());
  }

  /** help: as commander's, but a command called without the subcommand it needs is a mistake. */
  override help(context?: HelpContext): never;
  override help(cb: (str: string) => string): never;
  override help(context?: HelpContext | ((str: string) => string)): never {
    if (typeof context === "object" && context.error)
      throw new UsageError(`${this.words() ? `${this.words()}: ` : ""}which ${this.subcommandNoun}? (${this.known().join(", ")})`, this.words());
    return super.help(context as HelpContext);
  }

  private known(): string[] {
    return this.commands.filter((c) => c.name() !== "help").map((c) => c.name());
  }

  private rewrite(m: string, code: string): string {
    const at = this.words() ? `${this.words()}: ` : "";
    const flag = /'(-[^' ]+)/.exec(m)?.[1] ?? "";
    const suggestion = /\(Did you mean (.*)\?\)/.exec(m)?.[1];
    const hint = suggestion ? ` (did you mean ${suggestion}?)` : "";
    switch (code) {
      case "commander.unknownOption":
        return `${at}unknown option ${flag}${hint}`;
      case "commander.optionMissingArgument":
        return `${at}${flag} needs a value`;
      case "commander.missingMandatoryOptionValue":
        return `${at}${flag} is required`;
      case "commander.invalidArgument":
        return `${at}${m.slice(m.indexOf(" is invalid. ") + 13)}`;
      case "commander.missingArgument":
        return `${at}missing ${/'(.*)'/.exec(m)?.[1] ?? "argument"}`;
      case "commander.unknownCommand":
        return `${at}unknown ${this.subcommandNoun} "${this.args[0]}"${hint || ` (known: ${this.known().join(", ")})`}`;
      case "commander.excessArguments": {
        const n = this.registeredArguments.length;
        const extra = this.args.slice(n).join(" ");
        return n === 0 ? `${this.words() ? `${this.words()} ` : ""}takes no arguments (got ${extra})` : `${at}unexpected argument${this.args.length - n > 1 ? "s" : ""} ${extra}`;
      }
      default:
        return at + m;
    }
  }
}

/** valueOption: an option taking a value (`--NAME <VALUE>`), parsed by parse when read; parse
 *  throws InvalidArgumentError with the whole reason (it names the option). A value that looks
 *  like an option (the user forgot the value) is refused as missing. */
export function valueOption<T = string>(flags: string, description: string, parse?: (v: string, flag: string) => T): Option {
  const o = new Option(flags, description);
  const flag = o.long ?? o.short ?? flags;
  return o.argParser((v: string) => {
    if (v === "" || /^--?[a-zA-Z]/.test(v)) throw new InvalidArgumentError(`${flag} needs a value`);
    return parse ? parse(v, flag) : v;
  });
}

/** integer: a parser for a decimal integer in [min, max]. */
export function integer(min: number, max: number) {
  return (v: string, flag: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new InvalidArgumentError(`${flag} "${v}" is not an integer in ${min}..${max}`);
    return Number(v);
  };
}

/** list: a parser for a comma-separated list (no empty item), each item parsed by item. */
export function list<T>(item: (v: string, flag: string) => T) {
  return (v: string, flag: string): T[] => {
    const items = v.split(",").map((x) => x.trim());
    if (items.some((x) => x === "")) throw new InvalidArgumentError(`${flag} "${v}" has an empty item`);
    return items.map((x) => item(x, flag));
  };
}

/** checked: a parser from a function that throws (a ConfigError, say) on a bad value: its message becomes the reason. */
export function checked<T>(fn: (v: string) => T, reason = (v: string, flag: string, msg: string) => `${flag}: ${msg}`) {
  return (v: string, flag: string): T => {
    try {
      return fn(v);
    } catch (e) {
      if (e instanceof InvalidArgumentError) throw e;
      throw new InvalidArgumentError(reason(v, flag, (e as Error).message));
    }
  };
}

export { InvalidArgumentError };
