// tools/host/index.ts — the host library: build worlds of simulated machines and drive them.
//
//   const world = new World({ kernel: await loadKernel(), seed: 1 });
//   const m = await world.machine({ memory: "16M", cpus: 2 });
//   const p = m.spawn();
//   const va = p.mmap(8192);
//   p.store(va, [1, 2, 3]);          // faults the page in (demand zero)
//   m.check();                        // every kernel invariant holds
//
// Works in Node and in the browser: only loadKernel differs (tools/host/node.ts reads the
// built module from disk; the playground fetches it).

export * from "../../base/abi";
export { World, type WorldOptions } from "./world";
export { Machine, onBoot, onDispose, parseMemory, type MachineOptions, type TraceEvent } from "./machine";
export { Process, type MmapOptions, type RegionInfo, type ZcCompletion } from "./process";
export { IoLite, ioLite, aggLength, aggSlice, type Aggregate, type Slice, type IolReadOptions, type IolReceived } from "./iolite";
export { MAX_RESTARTS } from "./process";
export { openFlags, type DirEntry, type FileIoOptions, type FileStat, type OpenOptions } from "./fileio";
export { mkfs, MKFS_MIN_BLOCKS, type MkfsOptions } from "./fs/mkfs";
export { fsck, describeFsck, type FsckOptions, type FsckReport } from "./fs/fsck";
export { readSuper, type Geometry } from "./fs/layout";
export { COUNTER_NAMES, diffCounters, readCounters, type CounterName, type Counters } from "./counters";
export { getProfile, validateProfile, wireOptions, profileMtu, profileNic, nicText, NIC_FEATURES, PROFILES, type NicFeatures, type Profile, type WireProfile } from "./profile";
export { SEMANTICS, SEMANTICS_NAMES, semanticsByName, semanticsOf, type SemanticsInfo } from "./semantics";
export { KERNEL_EXPORTS, KERNEL_IMPORTS, type KernelExports } from "./kernel";
export { pteBits, type FrameInfo, type PageTableEntry, type Translation, type TlbEntry } from "./inspect";
export { Rng } from "./rng";
export { Wire, ATM_AAL5, ETHERNET, type WireEnd, type WireOptions, type WireCounters, type Transmission } from "./wire";
export { PcapWriter, readPcap, PCAP_MAGIC_NS, PCAP_MAGIC_US, PCAP_LINKTYPE_ETHERNET, type PcapFile, type PcapOptions, type PcapRecord } from "./pcap";
export { Disk, MemoryStore, MAX_MEMORY_BLOCKS, type BlockStore, type DiskOptions, type DiskStats } from "./disk";
export { Nic, connect, emptyDmaLog, jumboOption, type DmaLog, type NicOptions, type NicStats } from "./nic";
export { parseIp, formatIp } from "./ip";
export { fmtDuration } from "./units";
export { firstDifference, pattern } from "./pattern";
export * from "./errors";
