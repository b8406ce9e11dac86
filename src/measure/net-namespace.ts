/**
 * The sandbox's network namespace, held open for the prober. As a user,
 * bwrap makes a user namespace that owns the network namespace, then (with
 * `--dev`, for devpts) a second one inside it where the sandbox ends up:
 * joining the sandbox's own user namespace leaves no right over its network,
 * and which of the two its first process is in depends on when one looks.
 * The owner is asked of the network namespace itself (the kernel's
 * NS_GET_USERNS), which does not change: the prober joins exactly that user
 * namespace and that network namespace, by descriptor, never by a pid that
 * could be reused.
 */
import { closeSync, openSync } from "node:fs";
import { BunsealError } from "../errors.ts";

/** linux/nsfs.h: _IO(0xb7, 0x1) */
const NS_GET_USERNS = 0xb701;

type Ioctl = (fd: number, request: number) => number;
let ioctl: Ioctl | undefined;

async function loadIoctl(): Promise<Ioctl> {
  if (ioctl) return ioctl;
  const [{ FFIType }, { openLibc }] = await Promise.all([import("bun:ffi"), import("../util/libc.ts")]);
  const lib = openLibc({ ioctl: { args: [FFIType.i32, FFIType.u64], returns: FFIType.i32 } });
  if (!lib.symbols) throw unreachable(`the C library could not be loaded (${lib.failure})`);
  const { symbols } = lib;
  const call: Ioctl = (fd, request) => symbols.ioctl(fd, request);
  ioctl = call;
  return call;
}

export interface HeldNamespace {
  /** the network namespace, open */
  net: number;
  /** the user namespace that owns it, open; only when the sandbox has one */
  user?: number;
  close(): void;
}

/** Opens the network namespace of `pid` and, when `withOwner`, the user namespace that owns it. */
export async function holdNetNamespace(pid: number, withOwner: boolean): Promise<HeldNamespace> {
  let net: number;
  try {
    net = openSync(`/proc/${pid}/ns/net`, "r");
  } catch (cause) {
    throw unreachable(`its network namespace could not be opened (${(cause as Error).message})`);
  }
  if (!withOwner) return { net, close: () => closeSync(net) };
  const user = (await loadIoctl())(net, NS_GET_USERNS);
  if (user < 0) {
    closeSync(net);
    throw unreachable("the kernel did not name the user namespace that owns its network (NS_GET_USERNS)");
  }
  return {
    net,
    user,
    close: () => {
      closeSync(net);
      closeSync(user);
    },
  };
}

const unreachable = (why: string) => new BunsealError("SANDBOX_UNAVAILABLE", `no prober can reach the artifact's sandbox: ${why}; expected to join its network namespace from outside`, { field: "sandbox", expected: "the sandbox's network namespace, joined", found: why });
