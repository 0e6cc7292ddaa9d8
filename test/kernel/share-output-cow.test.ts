// test/kernel/share-output-cow.test.ts — share output carries only the sender's own stores,
// never those of a process that shares the page copy-on-write.
//
// Share output wires the sender's frames and the device reads them in place: a store the sender
// makes before the datagram leaves may reach it (its own data, docs/data-passing.md §5). A
// private page shared copy-on-write after fork is a different matter: each process's stores
// belong to its own copy. If a write fault gives one holder a copy and leaves the wired frame to
// another, that other process must not then write the frame in place, or its bytes cross the
// wire inside the sender's datagram. The same shapes are run under emulated share and the weak
// moves (which hold the frames by output reference or by a reference of the request), and over
// an IPC channel as well as a wire.

import { describe, expect, it } from "vitest";
import { PAGE_SIZE, Sem, type Process } from "../../tools/host/index";
import { expectBytes, pattern } from "./machines";
import { fsMachine } from "./fs-helpers";
import { pair } from "./netpair";

const LEN = 3000;
const SENDER_AT = 100; // the sender's own store, right after its send
const OTHER_AT = 2000; // the other process's store, into its own copy-on-write copy
const SENDER_BYTE = 0xc1;
const OTHER_BYTE = 0x96;

/** A way a page under output comes to be shared copy-on-write, and another process stores. */
interface Shape {
  name: string;
  /** Make the processes, send from va under sem by the returned sender, and store: the sender at
   *  SENDER_AT (if it still maps the page), the other process at OTHER_AT. */
  run(p: Process, va: number, send: (sender: Process) => void): void;
}

const shapes: Shape[] = [
  {
    // The fuzzer's shape (seed 20261204, program 29): the child's store copies the page for the
    // child and leaves the wired frame to the grandchild alone.
    name: "a child sends a page it shares with its parent's copy and its own child, stores into it, and the grandchild stores into its copy",
    run(p, va, send) {
      const child = p.fork();
      const grandchild = child.fork();
      p.store(va + 10, [0x11]); // the parent's own copy
      send(child);
      child.store(va + SENDER_AT, [SENDER_BYTE]);
      grandchild.store(va + OTHER_AT, [OTHER_BYTE]);
    },
  },
  {
    name: "the sender forks after the send, stores into the page, and the child stores into its copy",
    run(p, va, send) {
      send(p);
      const child = p.fork();
      p.store(va + SENDER_AT, [SENDER_BYTE]);
      child.store(va + OTHER_AT, [OTHER_BYTE]);
    },
  },
  {
    name: "the sender unmaps the page after the send, and the child it shared the page with stores into its copy",
    run(p, va, send) {
      const child = p.fork();
      send(p);
      p.munmap(va, PAGE_SIZE);
      child.store(va + OTHER_AT, [OTHER_BYTE]);
    },
  },
];

const sems: [string, Sem][] = [
  ["share", Sem.SHARE],
  ["emulated share", Sem.EMULATED_SHARE],
  ["weak move", Sem.WEAK_MOVE],
  ["emulated weak move", Sem.EMULATED_WEAK_MOVE],
];

/** expectSenders: got is the page as it was at the send, but for the sender's own store. */
function expectSenders(got: Uint8Array, data: Uint8Array): void {
  expect(got.length).toBe(LEN);
  expect([data[SENDER_AT], SENDER_BYTE]).toContain(got[SENDER_AT]);
  expect(got[OTHER_AT]).toBe(data[OTHER_AT]); // never the other process's byte
  expectBytes(got.subarray(0, SENDER_AT), data.subarray(0, SENDER_AT));
  expectBytes(got.subarray(SENDER_AT + 1), data.subarray(SENDER_AT + 1, LEN));
}

describe("share output carries only the sender's own stores, never a copy-on-write sharer's", () => {
  for (const [semName, sem] of sems) {
    for (const shape of shapes) {
      // With checksum offload the other process's byte would arrive in the datagram; without,
      // the datagram would be dropped for a bad checksum. Share is run both ways, the others
      // (whose frames are held otherwise) one way, to keep the file cheap.
      for (const checksumOffload of sem === Sem.SHARE ? [false, true] : [false]) {
        it(`${semName} over a wire (${checksumOffload ? "" : "no "}checksum offload): ${shape.name}: the datagram arrives without the other process's byte`, async () => {
          const n = await pair({ checksumOffload });
          const data = pattern(PAGE_SIZE, 29);
          const va = n.pa.mmap(PAGE_SIZE);
          n.pa.store(va, data);
          shape.run(n.pa, va, (s) => s.sendto(n.fa, va, LEN, { ip: "10.0.0.2", port: 2000, sem }));
          expect(n.a.checkInvariants({ scrub: false }).report).toBe(""); // with the output in flight
          n.a.world.run();
          // The sender's own store into its page may spoil its datagram's checksum (share lets it):
          // only then may the receiver drop it. It never does here: each sender's store, if any,
          // is a write fault on a frame another process shares, and the sender gets a copy.
          expect(n.b.drops()).toEqual({});
          const vb = n.pb.mmap(PAGE_SIZE);
          const r = n.pb.recvfrom(n.fb, vb, PAGE_SIZE, { dontwait: true });
          expect(r?.len).toBe(LEN);
          expectSenders(n.pb.load(vb, LEN), data);
        });
      }
      it(`${semName} over an IPC channel: ${shape.name}: the message holds no byte of the other process`, async () => {
        const n = await pair();
        const p = n.pa;
        const [c0, c1] = p.channel();
        const receiver = p.fork(); // holds both ends; receives on end 1 after the stores
        const data = pattern(PAGE_SIZE, 31);
        const va = p.mmap(PAGE_SIZE);
        p.store(va, data);
        shape.run(p, va, (s) => s.sendto(c0, va, LEN, { sem }));
        const vr = receiver.mmap(PAGE_SIZE);
        const r = receiver.recvfrom(c1, vr, PAGE_SIZE);
        expect(r?.len).toBe(LEN);
        expectSenders(receiver.load(vr, LEN), data);
      });
    }
  }

  it("share over an IPC channel from a private file mapping: after the sender's own store gives it a copy of the page, a write() to the file by another process does not reach the message", async () => {
    const { p } = await fsMachine();
    const data = pattern(PAGE_SIZE, 37);
    p.writeFile("/f", data);
    const [c0, c1] = p.channel();
    const writer = p.fork(); // receives too, after its write
    const fd = p.open("/f", { read: true, write: true });
    const va = p.mmap(PAGE_SIZE, { fd }); // private: the file's page until the process writes it
    p.sendto(c0, va, LEN, { sem: Sem.SHARE }); // wires the file's page cache frame
    p.store(va + SENDER_AT, [SENDER_BYTE]); // the sender's copy; the wired frame stays the file's
    const wfd = writer.open("/f", { read: true, write: true });
    const vw = writer.mmap(PAGE_SIZE);
    writer.store(vw, [OTHER_BYTE]);
    writer.lseek(wfd, OTHER_AT);
    expect(writer.write(wfd, vw, 1)).toBe(1);
    const vr = writer.mmap(PAGE_SIZE);
    expect(writer.recvfrom(c1, vr, PAGE_SIZE)?.len).toBe(LEN);
    expectSenders(writer.load(vr, LEN), data);
    const now = data.slice(0, LEN);
    now[OTHER_AT] = OTHER_BYTE;
    expectBytes(writer.readFile("/f").subarray(0, LEN), now, "the file");
  });
});
