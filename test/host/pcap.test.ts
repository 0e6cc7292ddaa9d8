// Packet capture (tools/host/pcap.ts): the writer and the reader give back what was recorded
// (test/system/pcap-tshark.test.ts has tshark judge the files).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, PCAP_MAGIC_NS, PCAP_MAGIC_US, PcapWriter, readPcap } from "../../tools/host/index";
import { readPcapFile, writePcapFile } from "../../tools/host/pcap-node";
import { pattern as payload } from "../../tools/host/pattern";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "genie-pcap-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("pcap writer and reader", () => {
  it("records read back with their bytes, lengths and nanosecond timestamps", () => {
    const w = new PcapWriter();
    const frames = [payload(60, 1), payload(1514, 2), payload(9000, 3)];
    const times = [0, 1_999_999_999, 86_400_000_000_123];
    frames.forEach((f, i) => w.record(times[i], f));
    const file = readPcap(w.bytes());
    expect(file.nanosecond).toBe(true);
    expect(file.bigEndian).toBe(false);
    expect(file.version).toEqual([2, 4]);
    expect(file.snaplen).toBe(262144);
    expect(file.linktype).toBe(1);
    expect(file.records.map((r) => r.t)).toEqual(times);
    expect(file.records.map((r) => r.origLen)).toEqual([60, 1514, 9000]);
    file.records.forEach((r, i) => expect(r.data).toEqual(frames[i]));
    expect(new DataView(w.bytes().buffer).getUint32(0, true)).toBe(PCAP_MAGIC_NS);
    expect(w.count).toBe(3);
    expect(w.size).toBe(24 + 3 * 16 + 60 + 1514 + 9000);
  });

  it("the microsecond format truncates timestamps to whole microseconds", () => {
    const w = new PcapWriter({ nanosecond: false });
    w.record(1_234_567_891, payload(10, 1));
    const file = readPcap(w.bytes());
    expect(new DataView(w.bytes().buffer).getUint32(0, true)).toBe(PCAP_MAGIC_US);
    expect(file.nanosecond).toBe(false);
    expect(file.records[0].t).toBe(1_234_567_000);
  });

  it("frames longer than snaplen are cut, keeping their original length", () => {
    const w = new PcapWriter({ snaplen: 100 });
    const f = payload(300, 9);
    w.record(5, f);
    const r = readPcap(w.bytes()).records[0];
    expect(r.origLen).toBe(300);
    expect(r.data).toEqual(f.subarray(0, 100));
  });

  it("a big-endian file (written on another machine) reads the same", () => {
    const f = payload(33, 4);
    const file = new Uint8Array(24 + 16 + 33);
    const v = new DataView(file.buffer);
    v.setUint32(0, PCAP_MAGIC_NS);
    v.setUint16(4, 2);
    v.setUint16(6, 4);
    v.setUint32(16, 65535);
    v.setUint32(20, 1);
    v.setUint32(24, 7);
    v.setUint32(28, 42);
    v.setUint32(32, 33);
    v.setUint32(36, 33);
    file.set(f, 40);
    const p = readPcap(file);
    expect(p.bigEndian).toBe(true);
    expect(p.snaplen).toBe(65535);
    expect(p.records).toEqual([{ t: 7_000_000_042, data: f, origLen: 33 }]);
  });

  it("the writer grows past its first buffer and the file on disk is the same bytes", () => {
    const w = new PcapWriter();
    for (let i = 0; i < 100; i++) w.record(i * 1000, payload(1500, i));
    const file = join(dir, "many.pcap");
    writePcapFile(file, w);
    const back = readPcapFile(file);
    expect(back.records.length).toBe(100);
    expect(back.records[99].data).toEqual(payload(1500, 99));
    expect(back.records[99].t).toBe(99_000);
  });

  it("malformed files and options are refused with the offset or field named", () => {
    expect(() => readPcap(new Uint8Array(10))).toThrow(/shorter than the 24-byte header/);
    expect(() => readPcap(new Uint8Array(24))).toThrow(/bad magic 0x0/);
    const w = new PcapWriter();
    w.record(0, payload(50, 1));
    const cut = w.bytes().subarray(0, 24 + 16 + 20);
    expect(() => readPcap(cut)).toThrow(/record at offset 24 claims 50 bytes/);
    expect(() => readPcap(w.bytes().subarray(0, 30))).toThrow(/record header at offset 24 is cut short/);
    expect(() => new PcapWriter({ snaplen: 0 })).toThrow(ConfigError);
    expect(() => new PcapWriter({ snaplen: 0 })).toThrow(/snaplen/);
    expect(() => w.record(-1, payload(1, 1))).toThrow(/record time/);
  });
});

describe("a capture spanning several worlds", () => {
  it("follow() places the next records after the latest one so far, so time never goes back", () => {
    const w = new PcapWriter();
    w.follow(); // nothing recorded yet: no offset
    w.record(500, payload(10, 1));
    w.record(2_000, payload(10, 2));
    w.follow(1_000);
    w.record(0, payload(10, 3)); // a new world's clock starts at 0 again
    w.record(700, payload(10, 4));
    expect(readPcap(w.bytes()).records.map((r) => r.t)).toEqual([500, 2_000, 3_000, 3_700]);
  });
});
