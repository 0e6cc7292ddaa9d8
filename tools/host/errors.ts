// tools/host/errors.ts — the errors the host library throws, each naming what went wrong.

import { Access, Errno, Kill } from "../../base/abi";

/** errnoName: "EINVAL" for 22; "E?<n>" for a number no Errno names. */
export function errnoName(e: number): string {
  return Errno[e] ?? `E?${e}`;
}

/** A system call returned -errno. */
export class SyscallError extends Error {
  constructor(readonly call: string, readonly errno: number) {
    super(`${call}: ${errnoName(errno)}`);
    this.name = "SyscallError";
  }
  get code(): string {
    return errnoName(this.errno);
  }
}

/** A user access could not be made: the kernel killed the process, the machine lives on. */
export class SegmentationFault extends Error {
  constructor(readonly pid: number, readonly va: number, readonly access: Access, readonly reason: Kill) {
    super(`pid ${pid}: ${access === Access.WRITE ? "write" : "read"} at 0x${(va >>> 0).toString(16)}: ${Kill[reason] ?? reason} (process killed)`);
    this.name = "SegmentationFault";
  }
}

/** The process is not alive (exited or killed); nothing was done. */
export class ProcessGone extends Error {
  constructor(readonly pid: number, readonly reason: Kill) {
    super(`pid ${pid} is not running (${Kill[reason] ?? reason})`);
    this.name = "ProcessGone";
  }
}

/** A kernel invariant (docs/architecture.md §13) does not hold. */
export class InvariantViolation extends Error {
  constructor(readonly count: number, readonly report: string) {
    super(`${count} kernel invariant violation(s):\n${report}`);
    this.name = "InvariantViolation";
  }
}

/** The kernel itself failed (a panic or an assertion): the machine is unusable. */
export class KernelPanic extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KernelPanic";
  }
}

/** Bad input to the host library itself (options, profiles, scenario files). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
