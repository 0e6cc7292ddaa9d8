// tools/cli/fs.ts — `genie mkfs` and `genie fsck`: make and check file-system images.
//
//   genie mkfs IMAGE [--size SIZE] [--inodes N] [--log-blocks N]
//       SIZE in bytes or with K / M / G (64M); without --size the existing file's size is kept
//   genie fsck IMAGE [--json]
//       every inconsistency found, one per line (or the report as JSON)
//
// Exit status: mkfs 0 made, 1 could not; fsck 0 clean, 1 damaged; both 2 for a bad command line
// or an unreadable image. Never a crash on a damaged image: fsck reports, it does not throw.

import { ConfigError } from "../host/errors";
import { describeFsck } from "../host/fs/fsck";
import { fsckFile, mkfsFile } from "../host/fs/image-node";
import { parseFlags } from "./bench";
import { UsageError } from "./usage";

export const FS_USAGE = `  mkfs IMAGE [--size SIZE] [--inodes N] [--log-blocks N]
                            make an empty file system in the disk image IMAGE (a new file of
                            SIZE bytes, e.g. 64M, or the whole existing file)
  fsck IMAGE [--json]       check a file-system image: exit 0 clean, 1 damaged
`;

/** parseSize: bytes from "65536", "64K", "64M", "1G"; UsageError otherwise. */
export function parseSize(v: string): number {
  const m = /^(\d+)([KMG])?$/i.exec(v.trim());
  if (!m) throw new UsageError(`--size: "${v}" is not a size like 64M`);
  const unit = (m[2] ?? "").toUpperCase();
  return Number(m[1]) * (unit === "K" ? 1024 : unit === "M" ? 1 << 20 : unit === "G" ? 1 << 30 : 1);
}

function count(name: string, v: string | true | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^\d+$/.test(v)) throw new UsageError(`--${name}: "${v}" is not a whole number`);
  return Number(v);
}

/** image: the one argument that is neither an option nor an option's value, and the rest. */
function image(cmd: string, args: string[], spec: Record<string, boolean>): [string, string[]] {
  const pos: number[] = [];
  for (let k = 0; k < args.length; k++) {
    const m = /^--([a-z-]+)$/.exec(args[k]);
    if (m) {
      if (spec[m[1]]) k++; // its value
      continue;
    }
    if (!args[k].startsWith("--")) pos.push(k);
  }
  if (pos.length === 0) throw new UsageError(`${cmd}: which image? (genie ${cmd} IMAGE ...)`);
  if (pos.length > 1) throw new UsageError(`${cmd}: one image at a time (got ${pos.map((k) => args[k]).join(", ")})`);
  return [args[pos[0]], args.filter((_, k) => k !== pos[0])];
}

/** runMkfs: genie mkfs; the exit status. */
export function runMkfs(args: string[]): number {
  const spec = { size: true, inodes: true, "log-blocks": true };
  const [path, rest] = image("mkfs", args, spec);
  const f = parseFlags("mkfs", rest, spec);
  const size = f.has("size") ? parseSize(f.get("size") as string) : undefined;
  const g = mkfsFile(path, { bytes: size, inodes: count("inodes", f.get("inodes")), logBlocks: count("log-blocks", f.get("log-blocks")) });
  process.stdout.write(
    `${path}: ${g.blocks} blocks of 4 KiB (${(g.blocks * 4096) >> 20} MiB), ${g.inodes} inodes, log ${g.logBlocks} blocks, ` +
      `data from block ${g.dataStart}\n`,
  );
  return 0;
}

/** runFsck: genie fsck; the exit status (0 clean, 1 damaged). */
export function runFsck(args: string[]): number {
  const spec = { json: false };
  const [path, rest] = image("fsck", args, spec);
  const f = parseFlags("fsck", rest, spec);
  let r;
  try {
    r = fsckFile(path);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`genie: ${e.message}\n`);
    return 2;
  }
  if (f.has("json")) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
  else process.stdout.write(`${path}: ${describeFsck(r)}\n`);
  return r.clean ? 0 : 1;
}
