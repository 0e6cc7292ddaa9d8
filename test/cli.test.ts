// The genie command, run as a user runs it: node build/cli/genie.mjs <command>.
//
// The kernel must be built (npm test builds it first). The CLI bundle (esbuild, a fraction of a
// second) is re-made here if it is missing or older than its sources, so a change to tools/ is
// never tested against a stale bundle.

import { describe, expect, it } from "vitest";
import { genie, useCli } from "./cli-run";

useCli();

describe("genie demo", () => {
  it("narrates boot, demand paging, fork and copy-on-write, a shootdown and a segmentation fault, then all invariants hold", () => {
    const r = genie("demo");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^Booted m0: 4096 frames of 4 KiB \(16 MiB\), 2 CPUs/);
    expect(out).toMatch(/stored 12 bytes at the first page: .*faultsDemandZero \+1/);
    expect(out).toMatch(/The child writes: .*faultsCow \+1.*bytesCopied \+4096/);
    expect(out).toMatch(/parent reads "hello, genie", child reads "HELLO, genie"/);
    expect(out).toMatch(/unmaps the page: .*tlbShootdowns \+1/);
    expect(out).toMatch(/shootdown/);
    expect(out).toMatch(/SEGV_PROT \(process killed\)/);
    expect(out).toMatch(/4095 of 4095 frames free; invariant check: all hold/);
  });

  it("takes no arguments: one line saying so and a hint, exit 2", () => {
    const r = genie("demo", "now");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("genie: demo takes no arguments (got now)\nrun 'genie demo --help' for usage\n");
  });
});

describe("genie disasm", () => {
  it("prints the WebAssembly text of the functions whose name contains FUNCTION", () => {
    const r = genie("disasm", "frameAlloc");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}\(func \$vm\/frame\/frameAlloc /m);
    expect(r.stdout).toContain("global.get $vm/frame/freeHead");
    expect(r.stdout).not.toMatch(/\(func \$vm\/frame\/frameFree /);
  });

  it("with a name no function has, exits 1 and says so, suggesting real names", () => {
    const r = genie("disasm", "nosuchfn");
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^genie: no kernel function name contains "nosuchfn"; there are \d+, e\.g\. (kernel|vm)\//);
  });
});

describe("bad command lines", () => {
  it("an unknown command exits 2 with one line naming it and the known ones, and a hint", () => {
    const r = genie("frobnicate");
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`genie: unknown command "frobnicate" (known: demo, scenarios, run, serve, disasm, bench, mkfs, fsck, assign, grade)\nrun 'genie --help' for usage\n`);
  });

  it("an unknown option exits 2 with one line and a hint to the command's help", () => {
    const r = genie("disasm", "--bogus");
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("genie: disasm: unknown option --bogus\nrun 'genie disasm --help' for usage\n");
  });

  it("help prints the usage and exits 0", () => {
    for (const arg of [[], ["help"], ["--help"]]) {
      const r = genie(...arg);
      expect(r.status, arg.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/^Usage: genie <command> \[options\]/);
      for (const c of ["demo", "scenarios", "run", "serve", "disasm", "bench", "mkfs", "fsck"]) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
    }
  });
});

describe("genie run, a workload of the peers group", () => {
  it("runs proxy under zio and prints its counters; a scheme it does not declare is refused, naming those it does", () => {
    const r = genie("run", "proxy", "--scheme", "zio", "--bytes", "65536", "--messages", "1", "--json");
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.scenario).toBe("proxy");
    expect(doc.settings).toMatchObject({ scheme: "zio", bytes: 65536, copies: 2, fraction: 0.1, messages: 1, profile: "server-2025" });
    expect(doc.metrics.zioElided).toBe(2 * 16);
    expect(doc.metrics.cpuBytesCopied).toBeGreaterThan(0);
    const bad = genie("run", "proxy", "--scheme", "sendfile");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`genie: run proxy: --scheme: scheme must be one of copy, zio, emulated-copy, io-lite, got "sendfile"\nrun 'genie run proxy --help' for usage\n`);
    const list = genie("scenarios");
    for (const name of ["bulk-datagram", "filenet", "fileserver", "cgi", "proxy", "kvset", "modify"]) expect(list.stdout).toMatch(new RegExp(`^${name}: `, "m"));
    expect(genie("run", "kvstore").stderr).toMatch(/unknown scenario "kvstore" \(known: datagram, .*, kvset, modify\)/);
  });

  it("--check-every-event checks every machine's invariants after every event and kernel entry, and says how many checks held", () => {
    const r = genie("run", "cgi", "--scheme", "io-lite", "--bytes", "20000", "--check-every-event");
    expect(r.status).toBe(0);
    const n = Number(/every kernel invariant holds after the run, and after every event and kernel entry \((\d+) checks\)/.exec(r.stdout)?.[1]);
    expect(n).toBeGreaterThan(50);
    expect(genie("run", "cgi", "--scheme", "io-lite", "--bytes", "20000").stdout).toMatch(/every kernel invariant holds after the run\n/);
  });
});
