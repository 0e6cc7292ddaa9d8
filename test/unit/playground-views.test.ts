import { describe, expect, it } from "vitest";
import { FrameClass, Mark, type Step } from "../../tools/playground/engine";
import { changedFrames, classCounts, decodePacket, decodeShare, encodeShare, filterTrace, fmtNs, gridOf, hexRows, nextEntry, paintFrame, paintFrames, scriptErrorLine, stripColumns, stripStep, stripX, CLASS_COLORS } from "../../tools/playground/views";
import { findStep, TOURS } from "../../tools/playground/tours";

/** A UDP datagram 10.0.0.1:1000 -> 10.0.0.2:2000 with n payload bytes, as the NIC sends it. */
function udpFrame(n: number): Uint8Array {
  const b = new Uint8Array(14 + 20 + 8 + n);
  b.set([2, 0, 10, 0, 0, 2, 2, 0, 10, 0, 0, 1, 0x08, 0x00], 0);
  const ip = [0x45, 0, (20 + 8 + n) >> 8, (20 + 8 + n) & 255, 0, 7, 0x20, 0, 64, 17, 0xab, 0xcd, 10, 0, 0, 1, 10, 0, 0, 2];
  b.set(ip, 14);
  b.set([1000 >> 8, 1000 & 255, 2000 >> 8, 2000 & 255, (8 + n) >> 8, (8 + n) & 255, 0x12, 0x34], 34);
  return b;
}

describe("playground view models", () => {
  it("decodePacket reads Ethernet, IPv4 (with fragment bits) and UDP headers", () => {
    const p = decodePacket(udpFrame(100));
    expect(p.eth).toEqual({ dst: "02:00:0a:00:00:02", src: "02:00:0a:00:00:01", type: "IPv4" });
    expect(p.ip).toMatchObject({ src: "10.0.0.1", dst: "10.0.0.2", id: 7, ttl: 64, proto: 17, totalLen: 128, fragOffset: 0, moreFragments: true, checksum: "0xabcd" });
    expect(p.udp).toEqual({ srcPort: 1000, dstPort: 2000, len: 108, checksum: "0x1234" });
    expect(p.payloadAt).toBe(42);
    expect(p.summary).toBe("10.0.0.1:1000 → 10.0.0.2:2000 UDP 108 bytes fragment @0+");
  });

  it("decodePacket reads a jumbogram's length and fragment offset from its IPv4 option", () => {
    const b = new Uint8Array(14 + 32 + 8);
    b.set(udpFrame(0).subarray(0, 34), 0);
    b[14] = 0x48; // IHL 8: 12 bytes of options
    b.set([0x9e, 12, 0, 0, 0, 1, 0, 8, 0, 0, 0x05, 0xb8], 34); // length 65544, offset 1464
    const p = decodePacket(b);
    expect(p.ip).toMatchObject({ headerLen: 32, jumboLen: 65544, fragOffset: 1464, moreFragments: true });
    expect(p.udp).toBeUndefined();
    expect(p.summary).toBe("10.0.0.1 → 10.0.0.2 IPv4 proto 17, 28 bytes of a 65544-byte jumbogram fragment @1464+");
  });

  it("decodePacket says what a frame too short for its headers is, without reading past it", () => {
    expect(decodePacket(new Uint8Array(5)).summary).toBe("runt frame (5 bytes)");
    expect(decodePacket(udpFrame(0).subarray(0, 20)).summary).toBe("Ethernet IPv4, 20 bytes");
  });

  it("paintFrames gives each frame its class's colour; classCounts and changedFrames count them", () => {
    const classes = Uint8Array.from([FrameClass.FREE, FrameClass.KERNEL, FrameClass.OUTPUT, FrameClass.FREE]);
    const px = paintFrames(classes, 2, 2);
    expect(Array.from(px.slice(8, 11))).toEqual(CLASS_COLORS[FrameClass.OUTPUT]);
    expect(px[15]).toBe(255);
    expect(classCounts(classes).slice(0, 3)).toEqual([2, 1, 0]);
    expect(changedFrames(Uint8Array.from([0, 1, 3, 0]), classes)).toEqual([2]);
    expect(changedFrames(undefined, classes)).toEqual([]);
  });

  it("gridOf lays 65,536 frames in 256 columns and a small machine in at least 16", () => {
    expect(gridOf(65536, 420)).toEqual({ cols: 256, rows: 256, cell: 1 });
    const g = gridOf(2304, 420);
    expect(g.cols * g.rows).toBeGreaterThanOrEqual(2304);
    expect(g.cols * g.cell).toBeLessThanOrEqual(420);
  });

  it("nextEntry skips events that entered no kernel", () => {
    const steps: Step[] = [{ t: 0, label: "a", entries: 1, marks: 1 }, { t: 1, label: "wire", entries: 0, marks: 0 }, { t: 2, label: "irq", entries: 2, marks: 3 }];
    expect(nextEntry(steps, 1)).toBe(3);
    expect(nextEntry(steps, 3)).toBe(3);
  });

  it("hexRows lays bytes 16 to a row from their address and marks the ones asked for", () => {
    const rows = hexRows(Uint8Array.from({ length: 20 }, (_, i) => 0x41 + i), 0x1000, (at) => at >= 0x100f && at < 0x1011);
    expect(rows.map((r) => r.addr)).toEqual([0x1000, 0x1010]);
    expect(rows[0].cells[0]).toEqual({ hex: "41", ch: "A", marked: false });
    expect(rows.flatMap((r) => r.cells).flatMap((c, i) => (c.marked ? [i] : []))).toEqual([15, 16]);
    expect(rows[1].cells.length).toBe(4);
  });

  it("paintFrame paints one frame as paintFrames does", () => {
    const classes = Uint8Array.from([FrameClass.FREE, FrameClass.KERNEL, FrameClass.OUTPUT]);
    const px = paintFrames(Uint8Array.from([FrameClass.FREE, FrameClass.FREE, FrameClass.OUTPUT]), 3, 1);
    paintFrame(px, 1, FrameClass.KERNEL);
    expect(Array.from(px)).toEqual(Array.from(paintFrames(classes, 3, 1)));
  });

  it("the timeline strip puts step s of n at a column and finds it there again; a column ORs its steps' marks", () => {
    const steps: Step[] = Array.from({ length: 1000 }, (_, i) => ({ t: i, label: "", entries: 0, marks: i === 499 ? Mark.FAULT : i === 500 ? Mark.SENT : 0 }));
    for (const s of [0, 1, 333, 500, 999, 1000]) expect(Math.abs(stripStep(stripX(s, 1000, 200), 1000, 200) - s)).toBeLessThanOrEqual(3);
    expect(stripStep(0, 1000, 200)).toBe(0);
    expect(stripStep(199, 1000, 200)).toBe(1000);
    expect(stripStep(500, 1000, 200)).toBe(1000); // past the end: the end
    const cols = stripColumns(steps, 200);
    expect(cols[stripX(500, 1000, 200)] | cols[stripX(501, 1000, 200)]).toBe(Mark.FAULT | Mark.SENT);
    expect(cols.reduce((n, c) => n + (c ? 1 : 0), 0)).toBeLessThanOrEqual(2);
  });

  it("filterTrace keeps events matching every word", () => {
    const ev = [{ kind: "Fault", machine: "a", a: 1, b: 2, c: 3 }, { kind: "NetRx", machine: "b", a: 0, b: 1, c: 60 }];
    expect(filterTrace(ev, "fault a")).toEqual([ev[0]]);
    expect(filterTrace(ev, "")).toEqual(ev);
  });

  it("fmtNs picks the unit", () => {
    expect([fmtNs(12), fmtNs(12_345), fmtNs(12_345_678)]).toEqual(["12 ns", "12.345 µs", "12.346 ms"]);
  });

  it("share links round-trip scenario, settings and a script with any characters; damaged ones are refused with a reason", () => {
    const s = { scenario: "datagram", settings: { semantics: "copy", bytes: 4096, headerSplit: false }, script: "hooks.log(\"µs → ü\");\n" };
    expect(decodeShare("#" + encodeShare(s))).toEqual(s);
    expect(decodeShare("")).toBeNull();
    expect(() => decodeShare("#x=1")).toThrow(/not a shared playground state/);
    expect(() => decodeShare("#s=!!!")).toThrow(/damaged/);
    expect(() => decodeShare("#" + encodeShare({ scenario: 3 } as never))).toThrow(/lacks a scenario/);
    expect(() => decodeShare("#" + encodeShare({ scenario: "x", settings: { a: [1] } } as never))).toThrow(/setting "a"/);
  });

  it("scriptErrorLine reads the line a run's error names", () => {
    expect(scriptErrorLine("line 4: Error: boom")).toBe(4);
    expect(scriptErrorLine("Error: boom")).toBeNull();
  });

  it("a tour stop finds its step by label, first or last match, else the end", () => {
    const steps: Step[] = ["boot", "page fault", "sendto", "page fault", "irq"].map((label, t) => ({ t, label, entries: 1, marks: 1 }));
    const stop = TOURS[0].stops[0];
    expect(findStep({ ...stop, find: /page fault/ }, steps)).toBe(2);
    expect(findStep({ ...stop, find: /page fault/, last: true }, steps)).toBe(4);
    expect(findStep({ ...stop, find: /nothing/ }, steps)).toBe(5);
    expect(findStep({ ...stop, find: undefined, last: true }, steps)).toBe(5);
  });
});
