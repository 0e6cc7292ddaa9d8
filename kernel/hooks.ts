// kernel/hooks.ts — the calls the lower layers make up into this one, registered at boot.
//
// A lower layer never imports a higher one (docs/architecture.md, "Layers"). Where it must
// reach up — a datagram completes a process's waiting receive, a disk read lets a process run
// again — it calls a hook it declares, and the layer above registers the function here, once,
// when the machine boots. Hooks registered elsewhere: the file system's pager (fs/mmap.ts
// registers vm/pager.ts's hooks when the module starts), the invariant check's frame holders
// (vm/check.ts checkRegisterHolder), and the NIC interrupt's input and completion functions
// (kernel/index.ts passes them to drivers/nic.ts nicIntr at each interrupt).

import { fsWaitRegister } from "../fs/wait";
import { sockRegister } from "../net/socket";
import { fileRegister } from "./file";
import { chanClose } from "./ipc";
import { procSleep, procWake } from "./proc";
import { recvDeliver, recvFail } from "./recv";

/** hooksRegister: register every hook of the lower layers that this layer serves. */
export function hooksRegister(): void {
  sockRegister(recvDeliver, recvFail);
  fsWaitRegister(procSleep, procWake);
  fileRegister(chanClose);
}
