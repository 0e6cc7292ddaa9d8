// The genie command line as a newcomer meets it: every command and subcommand explains itself
// with --help; a mistake is told in one line and a hint (exit 2), never with a stack trace or
// the whole usage; --pcap writes a capture of the run, saying so (and warning about our
// jumbogram option when the capture holds one); durations print with units.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { fmtDuration, jumboOption } from "../tools/host/index";
import { readPcapFile } from "../tools/host/pcap-node";
import { cli, genieAsync, root, useCli, type Run } from "./cli-run";

useCli();

const dir = mkdtempSync(join(tmpdir(), "genie-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** expectMistake: the run failed with status, one line "genie: ..." matching msg, then the hint for command. */
function expectMistake(r: Run, status: number, msg: RegExp, command?: string): void {
  expect(r.stdout).toBe("");
  expect(r.status, r.stderr).toBe(status);
  expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
  const lines = r.stderr.split("\n");
  expect(lines[0]).toMatch(/^genie: /);
  expect(lines[0]).toMatch(msg);
  if (command === undefined) expect(lines.slice(1)).toEqual([""]);
  else expect(lines.slice(1)).toEqual([`run 'genie ${command ? command + " " : ""}--help' for usage`, ""]);
}

const COMMANDS = ["demo", "scenarios", "run", "run datagram", "serve", "disasm", "bench", "bench datagram", "bench wallclock", "bench filenet", "mkfs", "fsck"];
const WIRES = ["demo", "bench datagram", "bench wallclock", "bench filenet"];

describe("genie COMMAND --help", () => {
  for (const c of COMMANDS)
    it.concurrent(`genie ${c} --help prints the command's usage and options, exit 0${WIRES.includes(c) ? "; it takes --pcap FILE" : ""}`, async () => {
      const r = await genieAsync(...c.split(" "), "--help");
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: genie ${c} `));
      expect(r.stdout).toMatch(/^ {2}-h, --help/m);
      if (WIRES.includes(c)) expect(r.stdout).toMatch(/^ {2}--pcap <FILE> +write a libpcap capture/m);
      if (c === "mkfs") expect(r.stdout).toMatch(/^ {2}--force +overwrite IMAGE/m);
    });

  it.concurrent("genie help COMMAND [SUBCOMMAND] is the same text", async () => {
    const [a, b] = await Promise.all([genieAsync("help", "bench", "datagram"), genieAsync("bench", "datagram", "--help")]);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });
});

describe("a mistake is one line and a hint, exit 2; a problem the user can fix is one line, exit 1; never a stack trace", () => {
  const img = join(dir, "disk.img");
  const cases: [string, string[], number, RegExp, string?][] = [
    ["a misspelt option, with a suggestion", ["bench", "datagram", "--profil", "default"], 2, /bench datagram: unknown option --profil \(did you mean --profile\?\)/, "bench datagram"],
    ["a bad number", ["bench", "filenet", "--profile", "default", "--seed", "-1"], 2, /bench filenet: --seed "-1" is not an integer in 0\.\.4294967295/, "bench filenet"],
    ["a number out of range", ["bench", "wallclock", "--iterations", "0"], 2, /bench wallclock: --iterations "0" is not an integer in 1\.\.1000000/, "bench wallclock"],
    ["a bad profile name", ["bench", "filenet", "--profile", "pdp-11"], 2, /bench filenet: --profile: unknown profile "pdp-11" \(known: default, /, "bench filenet"],
    ["a bench without its benchmark", ["bench"], 2, /bench: which benchmark\? \(datagram, wallclock, filenet, steady, patching, ipc, handler, peers\)/, "bench"],
    ["an extra argument", ["fsck", "a.img", "b.img"], 2, /fsck: unexpected argument b\.img/, "fsck"],
    ["a missing image", ["mkfs", "--size", "4M"], 2, /mkfs: missing IMAGE/, "mkfs"],
    ["a capture into a folder that does not exist", ["demo", "--pcap", join(dir, "no", "x.pcap")], 2, /demo: --pcap .*: folder .* does not exist/, "demo"],
    ["an image in a folder that does not exist", ["mkfs", join(dir, "no", "x.img"), "--size", "4M"], 1, /^genie: cannot open .*no\/x\.img: no such file or folder$/],
    ["an image that does not exist", ["fsck", join(dir, "none.img")], 2, /fsck: cannot read .*none\.img/],
  ];
  for (const [what, args, status, msg, command] of cases)
    it.concurrent(what, async () => expectMistake(await genieAsync(...args), status, msg, command));

  it("mkfs refuses to overwrite an existing file without --force, and keeps it intact", async () => {
    writeFileSync(img, new Uint8Array(4 << 20).fill(0x5a));
    expectMistake(await genieAsync("mkfs", img, "--size", "4M"), 1, /mkfs: .*disk\.img exists; --force overwrites it/);
    expect(readFileSync(img)[0]).toBe(0x5a);
    const r = await genieAsync("mkfs", img, "--force");
    expect(r.status).toBe(0);
    expect((await genieAsync("fsck", img)).status).toBe(0);
  });

  it("without a kernel build, a command that needs the kernel says how to build it (exit 1)", () => {
    // a copy of the bundle in a project folder that has no build/*.wasm
    const project = join(dir, "unbuilt");
    mkdirSync(join(project, "build", "cli"), { recursive: true });
    cpSync(cli, join(project, "build", "cli", "genie.mjs"));
    for (const f of ["package.json", "asconfig.json"]) cpSync(join(root, f), join(project, f));
    if (!existsSync(join(project, "node_modules"))) symlinkSync(join(root, "node_modules"), join(project, "node_modules"));
    const run = (...args: string[]) => {
      const r = spawnSync(process.execPath, [join(project, "build", "cli", "genie.mjs"), ...args], { cwd: tmpdir(), encoding: "utf8" });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    expectMistake(run("bench", "datagram", "--profile", "default", "--semantics", "copy", "--sizes", "4K"), 1, /kernel not built: .*unbuilt\/build\/release\.wasm is missing \(run npm run build\)/);
    expectMistake(run("disasm", "frameAlloc"), 1, /kernel not built: .*unbuilt\/build\/debug\.wasm is missing/);
  });
});

describe("--pcap FILE", () => {
  it("bench datagram writes every transfer, one after the other in time, and notes the jumbogram option only when a datagram needed it", async () => {
    const file = join(dir, "dgram.pcap");
    const r = await genieAsync("bench", "datagram", "--profile", "default", "--semantics", "copy", "--sizes", "4K,1M", "--pcap", file, "--json");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).rows.length).toBe(2); // stdout stays the JSON
    const cap = readPcapFile(file);
    const jumbo = cap.records.filter((x) => jumboOption(x.data) >= 0).length;
    // 4K at MTU 1500: 3 fragments; 1M as a jumbogram: 1M + 8 bytes in packets of (1500 - 32) & ~7 bytes
    expect(cap.records.length).toBe(3 + Math.ceil(((1 << 20) + 8) / 1464));
    expect(jumbo).toBe(Math.ceil(((1 << 20) + 8) / 1464));
    const t = cap.records.map((x) => x.t);
    expect(t.every((x, i) => i === 0 || x >= t[i - 1])).toBe(true);
    expect(r.stderr).toBe(
      `capture: ${cap.records.length} frames in ${file}\n` +
        `note: ${jumbo} of them carry our experimental IPv4 jumbogram option (0x9E, in the style of RFC 2675; docs/data-passing.md): ` +
        "Wireshark/tshark will flag that option as unknown and report those datagrams as malformed UDP\n",
    );
    const small = await genieAsync("bench", "datagram", "--profile", "default", "--semantics", "copy", "--sizes", "4K", "--pcap", file);
    expect(small.stderr).toBe(`capture: 3 frames in ${file}\n`);
    expect(readPcapFile(file).records.length).toBe(3); // replaced, not appended
  });

  it("bench filenet and the demo write their wires' frames too", async () => {
    const [fn, demo] = [join(dir, "filenet.pcap"), join(dir, "demo.pcap")];
    const [a, b] = await Promise.all([
      genieAsync("bench", "filenet", "--profile", "default", "--size", "256K", "--pcap", fn, "--json"),
      genieAsync("demo", "--pcap", demo),
    ]);
    expect(a.status).toBe(0);
    // five schemes, 256K in 64 KiB datagrams (jumbograms: 65544 bytes > 65515) at MTU 1500
    expect(readPcapFile(fn).records.length).toBe(5 * 4 * Math.ceil(65544 / 1464));
    expect(a.stderr).toMatch(/^capture: 900 frames in .*filenet\.pcap\nnote: 900 of them carry/);
    expect(b.status).toBe(0);
    // four 64 KiB datagrams at MTU 9000: 8 packets each
    expect(readPcapFile(demo).records.length).toBe(32);
    expect(b.stderr).toMatch(/^capture: 32 frames in /);
    // and its times print with units
    expect(b.stdout).toMatch(/CPU 0 busy until \d+(\.\d+)? µs, CPU 1 until \d+(\.\d+)? µs\./);
    expect(b.stdout).toMatch(/^ {2}copy +\d{3} µs /m);
    expect(b.stdout).not.toMatch(/\d\.\d{4,}/);
  });
});

describe("durations for people", () => {
  it("three significant digits with a unit, never a float's tail", () => {
    expect(fmtDuration(48368.399999999994)).toBe("48.4 µs");
    expect(fmtDuration(557_600)).toBe("558 µs");
    expect(fmtDuration(1_234_567)).toBe("1.23 ms");
    expect(fmtDuration(812)).toBe("812 ns");
    expect(fmtDuration(0.25)).toBe("0.25 ns");
    expect(fmtDuration(0)).toBe("0 ns");
    expect(fmtDuration(999_999)).toBe("1.00 ms");
    expect(fmtDuration(2.5e9)).toBe("2.50 s");
    expect(fmtDuration(1.5e12)).toBe("1500 s");
  });
});
