// tools/scenarios/peers/schemes.ts — the schemes a workload runs under (docs/peers.md): Genie's
// eight semantics and the systems after it, and how a buffer is sent and received under each.
//
//   scheme        send (sendBuf)                              receive (postBuf)
//   a semantics   sendto with it (weak ones wait: iowait)     postRecv with it (move family:
//                                                             a region the kernel picks)
//   msg-zerocopy  sendto(MSG_ZEROCOPY), then the completion    copy (Linux has no zero-copy
//                 notification that covers it                 UDP receive)
//   splice        vmsplice into a pipe, splice to the socket  copy
//   sendfile      (file workloads call sendfile themselves)   copy
//   zio           copy semantics: the application's memcpys   copy
//                 go through zIO (zioConfig)
//   io-lite       (each workload makes its own calls: aggregates of the buffers of its pools,
//                 tools/host/iolite.ts)
//
// Which schemes a workload applies to is its own list (the `scheme` setting's choices): a new
// scheme is a name here, its calls in sendBuf / postBuf, and its name in the lists of the
// workloads it applies to.

import { PAGE_SIZE, SEMANTICS, SEMANTICS_NAMES, Sem, type Process } from "../../host/index";

/** The systems after Genie, as the CLI and the JSON reports spell them. */
export const PEER_SCHEMES = ["io-lite", "zio", "sendfile", "splice", "msg-zerocopy"] as const;
/** Every scheme name: Genie's semantics, then the systems after it. */
export const ALL_SCHEMES: readonly string[] = [...SEMANTICS_NAMES, ...PEER_SCHEMES];

/** genie: the Genie semantics called scheme, if it is one. */
export const genie = (scheme: string) => SEMANTICS.find((x) => x.name === scheme);

/** systemBuffers: does scheme take its receive buffers from the system (the move family)? */
export const systemBuffers = (scheme: string) => genie(scheme)?.buffers === "system";

/** sendBuf: p sends [va, va+len) on its connected socket fd under scheme (done when it returns:
 *  a weak semantics or MSG_ZEROCOPY waits for its completion, so the buffer may be reused). */
export function sendBuf(p: Process, fd: number, va: number, len: number, scheme: string): void {
  const g = genie(scheme);
  if (g) {
    p.sendto(fd, va, len, { sem: g.sem });
    if (g.integrity === "weak") p.iowait();
    return;
  }
  if (scheme === "msg-zerocopy") {
    p.sendto(fd, va, len, { zerocopy: true });
    const id = p.zcId;
    for (let c = p.zcNotify(fd); c && c.last < id; c = p.zcNotify(fd));
    return;
  }
  if (scheme === "splice") {
    const [r, w] = p.pipe();
    p.vmsplice(w, va, len);
    p.splice(r, fd, len);
    p.close(w);
    p.close(r);
    return;
  }
  p.sendto(fd, va, len, { sem: Sem.COPY }); // zio, sendfile's receiver side: copy
}

/** recvSem: the semantics scheme receives with (the Linux schemes and zio: copy). */
export const recvSem = (scheme: string) => genie(scheme)?.sem ?? Sem.COPY;

/** postBuf: post a receive of len bytes for scheme into va (move family: a region the kernel picks). */
export function postBuf(p: Process, fd: number, va: number, len: number, scheme: string) {
  return p.postRecv(fd, systemBuffers(scheme) ? 0 : va, len, { sem: recvSem(scheme) });
}

/** takeReceived: the bytes of a completed receive (a region the kernel chose is unmapped after). */
export function takeReceived(p: Process, got: { len: number; va: number }, va: number, len: number, scheme: string): Uint8Array {
  if (got.len !== len) throw new Error(`${scheme}: a receive returned ${got.len} of ${len} bytes`);
  if (!systemBuffers(scheme)) return p.load(va, len);
  const bytes = p.load(got.va, len);
  p.munmap(got.va & ~(PAGE_SIZE - 1), ((got.va & (PAGE_SIZE - 1)) + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
  return bytes;
}
