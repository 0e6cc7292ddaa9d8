// tools/assign/tar.ts — a tar archive (POSIX ustar) of a tree, made in memory; no Node built-ins,
// so the playground writes a student's tree for download with it. Every tar reads it (GNU and
// BSD tar, Windows 10's tar.exe, 7-Zip); tarGz gzips it (CompressionStream) for `tar xzf`.
//
//   one 512-byte header per entry, then its bytes padded to 512; two zero blocks end the archive
//
//   offset  size  field                  offset  size  field
//        0   100  name                      257     6  magic "ustar\0"
//      100     8  mode (octal)              263     2  version "00"
//      108     8  uid, 116 gid              265    32  uname, 297 gname (32)
//      124    12  size (octal)              329     8  devmajor, 337 devminor
//      136    12  mtime (octal, seconds)    345   155  prefix (the path's folders, if name
//      148     8  checksum                               does not hold it all)
//      156     1  type: '0' file, '5' dir

export const BLOCK = 512;

export interface TarEntry {
  /** Relative path, "/"-separated (a folder's ends with "/"). */
  path: string;
  /** A file's bytes (text is written as UTF-8); absent for a folder. */
  data?: Uint8Array | string;
  /** Permission bits (default 0o644 for a file, 0o755 for a folder). */
  mode?: number;
}

const utf8 = new TextEncoder();

/** put: ASCII text into a header field. */
function put(h: Uint8Array, at: number, len: number, s: string): void {
  const b = utf8.encode(s);
  if (b.length > len) throw new Error(`tar: "${s}" does not fit a ${len}-byte field`);
  h.set(b, at);
}

/** octal: a number as the field's octal digits, NUL-terminated. */
function octal(h: Uint8Array, at: number, len: number, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n >= 8 ** (len - 1)) throw new Error(`tar: ${n} does not fit a ${len}-byte field`);
  put(h, at, len, n.toString(8).padStart(len - 1, "0") + "\0");
}

/** splitPath: ustar's (prefix, name) for a path: the name part at most 100 bytes, the prefix 155. */
export function splitPath(path: string): [string, string] {
  const bytes = utf8.encode(path).length;
  if (bytes <= 100) return ["", path];
  for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) {
    const prefix = path.slice(0, i), name = path.slice(i + 1);
    if (utf8.encode(prefix).length <= 155 && name && utf8.encode(name).length <= 100) return [prefix, name];
  }
  throw new Error(`tar: the path ${path} is too long for a ustar archive`);
}

/** header: one entry's header block. */
function header(e: TarEntry, size: number, mtime: number): Uint8Array {
  const dir = e.data === undefined;
  const path = dir && !e.path.endsWith("/") ? e.path + "/" : e.path;
  if (!path || path.startsWith("/") || path.split("/").includes("..")) throw new Error(`tar: refusing the path "${e.path}" (absolute, empty or with ..)`);
  const [prefix, name] = splitPath(path);
  const h = new Uint8Array(BLOCK);
  put(h, 0, 100, name);
  octal(h, 100, 8, e.mode ?? (dir ? 0o755 : 0o644));
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, Math.floor(mtime));
  put(h, 148, 8, "        "); // the checksum is summed with its own field as spaces
  put(h, 156, 1, dir ? "5" : "0");
  put(h, 257, 6, "ustar\0");
  put(h, 263, 2, "00");
  put(h, 265, 32, "genie");
  put(h, 297, 32, "genie");
  put(h, 345, 155, prefix);
  const sum = h.reduce((a, b) => a + b, 0);
  put(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

/** tar: the archive of entries (in their order), each stamped with mtime (seconds since 1970). */
export function tar(entries: TarEntry[], mtime: number): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const e of entries) {
    const data = typeof e.data === "string" ? utf8.encode(e.data) : (e.data ?? new Uint8Array(0));
    const h = header(e, data.length, mtime);
    parts.push(h, data);
    total += BLOCK + Math.ceil(data.length / BLOCK) * BLOCK;
  }
  const out = new Uint8Array(total + 2 * BLOCK);
  let at = 0;
  for (let i = 0; i < parts.length; i += 2) {
    out.set(parts[i], at);
    out.set(parts[i + 1], at + BLOCK);
    at += BLOCK + Math.ceil(parts[i + 1].length / BLOCK) * BLOCK;
  }
  return out;
}

/** treeEntries: a tree's files under folder top/ (folders first-seen, files sorted by path). */
export function treeEntries(top: string, files: ReadonlyMap<string, Uint8Array | string>, modes: ReadonlyMap<string, number> = new Map()): TarEntry[] {
  const out: TarEntry[] = [{ path: `${top}/` }];
  const seen = new Set<string>();
  for (const path of [...files.keys()].sort()) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!seen.has(dir)) {
        seen.add(dir);
        out.push({ path: `${top}/${dir}/` });
      }
    }
    out.push({ path: `${top}/${path}`, data: files.get(path)!, mode: modes.get(path) });
  }
  return out;
}

/** gzip: bytes compressed with gzip (CompressionStream: browsers and Node 18+). */
export async function gzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
