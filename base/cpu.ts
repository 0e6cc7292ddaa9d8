// base/cpu.ts — which simulated CPU the kernel is running on.
//
// The host enters the kernel on behalf of a process (on that process's CPU) or a device
// (interrupts go to CPU 0). Everything the kernel does during the entry runs on curCpu.

export let ncpus: i32 = 1;
export let curCpu: i32 = 0;

/** cpuInit: the machine has n CPUs, numbered 0..n-1. */
export function cpuInit(n: i32): void {
  ncpus = n;
  curCpu = 0;
}

/** cpuSet: the current kernel entry runs on cpu. */
export function cpuSet(cpu: i32): void {
  curCpu = cpu;
}
