// base/host.ts — everything the kernel imports from the host (the hardware side), declared once.
//
// The kernel module's imports are the machine's outward interface: a device register write, a
// process made runnable, a trace event. tools/host/kernel.ts (KERNEL_IMPORTS) lists the same
// imports with their contracts on the host side; the host supplies them when it instantiates
// the module (tools/host/machine.ts).

/** hostTrace: one trace event (base/abi.ts, Ev), at offsetNs into the current kernel entry. */
// @ts-ignore: decorator
@external("host", "trace")
export declare function hostTrace(ev: i32, a: i32, b: i32, c: i32, offsetNs: f64): void;

/** hostWake: process pid's blocked call completed; it runs again when the current entry ends. */
// @ts-ignore: decorator
@external("host", "wake")
export declare function hostWake(pid: i32): void;

/** nicWrite: the driver writes register reg (NicReg) of a NIC's queue; a TAIL write is a doorbell. */
// @ts-ignore: decorator
@external("host", "nicWrite")
export declare function nicWrite(nic: i32, reg: i32, queue: i32, value: i32): void;

/** nicRead: the driver reads register reg (NicReg) of a NIC's queue (RX_MISSED clears on read). */
// @ts-ignore: decorator
@external("host", "nicRead")
export declare function nicRead(nic: i32, reg: i32, queue: i32): i32;

/** hostDiskDoorbell: disk requests with ring index < tail are ready for the disk. */
// @ts-ignore: decorator
@external("host", "diskDoorbell")
export declare function hostDiskDoorbell(tail: u32): void;

/** hostAlarm: the machine's one-shot timer interrupts the kernel (timerInterrupt) at atNs of
 *  simulated time; a new alarm replaces the one set before; atNs < 0 cancels it. */
// @ts-ignore: decorator
@external("host", "alarm")
export declare function hostAlarm(atNs: f64): void;
