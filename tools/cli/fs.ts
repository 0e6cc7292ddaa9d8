// tools/cli/fs.ts — `genie mkfs` and `genie fsck`: make and check file-system images.
//
//   genie mkfs IMAGE [--size SIZE] [--inodes N] [--log-blocks N] [--force]
//       SIZE in bytes or with K / M / G (64M); an existing IMAGE is overwritten only with
//       --force (then without --size its size is kept)
//   genie fsck IMAGE [--json]
//       every inconsistency found, one per line (or the report as JSON)
//
// Exit status: mkfs 0 made, 1 could not; fsck 0 clean, 1 damaged; both 2 for a bad command line
// or an unreadable image. Never a crash on a damaged image: fsck reports, it does not throw.

import { existsSync } from "node:fs";
import { ConfigError } from "../host/errors";
import { describeFsck } from "../host/fs/fsck";
import { fsckFile, mkfsFile } from "../host/fs/image-node";
import { byteSize } from "./bench";
import { GenieCommand, integer, InvalidArgumentError, valueOption } from "./command";

/** imageSize: bytes from "65536", "64K", "64M", "1G". */
function imageSize(v: string, flag: string): number {
  const n = byteSize(v, Number.MAX_SAFE_INTEGER, "KMG");
  if (typeof n === "string") throw new InvalidArgumentError(`${flag} "${v}" is not a size like 64M`);
  return n;
}

/** mkfsCommand: `genie mkfs IMAGE`. */
export function mkfsCommand(): GenieCommand {
  return new GenieCommand("mkfs")
    .description("make an empty file system in the disk image IMAGE: a new file of SIZE bytes (docs/filesystem.md)")
    .argument("<IMAGE>", "the disk-image file")
    .addOption(valueOption("--size <SIZE>", "the image's size, in bytes or with K / M / G, e.g. 64M (needed for a new file)", imageSize))
    .addOption(valueOption("--inodes <N>", "number of inodes (default: from the size)", integer(1, 1 << 24)))
    .addOption(valueOption("--log-blocks <N>", "blocks of the write-ahead log (default: from the size)", integer(1, 1 << 24)))
    .option("--force", "overwrite IMAGE if it exists (without --size its size is kept)")
    .action((path: string, o: { size?: number; inodes?: number; logBlocks?: number; force?: boolean }) => {
      if (existsSync(path) && !o.force) {
        process.stderr.write(`genie: mkfs: ${path} exists; --force overwrites it (a new, empty file system)\n`);
        process.exitCode = 1;
        return;
      }
      let g;
      try {
        g = mkfsFile(path, { bytes: o.size, inodes: o.inodes, logBlocks: o.logBlocks });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        process.stderr.write(`genie: ${e.message}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(
        `${path}: ${g.blocks} blocks of 4 KiB (${(g.blocks * 4096) >> 20} MiB), ${g.inodes} inodes, log ${g.logBlocks} blocks, ` +
          `data from block ${g.dataStart}\n`,
      );
    });
}

/** fsckCommand: `genie fsck IMAGE`. */
export function fsckCommand(): GenieCommand {
  return new GenieCommand("fsck")
    .description("check a file-system image: every inconsistency found; exit 0 clean, 1 damaged")
    .argument("<IMAGE>", "the disk-image file")
    .option("--json", "print the report as JSON")
    .action((path: string, o: { json?: boolean }) => {
      let r;
      try {
        r = fsckFile(path);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        process.stderr.write(`genie: ${e.message}\n`);
        process.exitCode = 2;
        return;
      }
      if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
      else process.stdout.write(`${path}: ${describeFsck(r)}\n`);
      process.exitCode = r.clean ? 0 : 1;
    });
}
