/**
 * The seccomp program the sandbox loads, run here by a small classic-BPF
 * interpreter over the calls an attacker would make: each must get the
 * verdict the kernel will give it, on both architectures a filter is made for.
 * (sandbox-power.test.ts shows the same verdicts from a real macro.)
 */
import { describe, expect, test } from "bun:test";
import { deniedCalls, seccompProgram, type SeccompArch } from "../../src/sandbox/seccomp.ts";

const AUDIT_ARCH = { x64: 0xc000003e, arm64: 0xc00000b7 } as const;
const NR = {
  x64: { read: 0, openat: 257, mount: 165, umount2: 166, open_by_handle_at: 304, unshare: 272, setns: 308, clone: 56, clone3: 435, ptrace: 101, process_vm_readv: 310, bpf: 321, keyctl: 250, finit_module: 313, kexec_load: 246, reboot: 169, swapon: 167, io_uring_setup: 425, ioctl: 16 },
  arm64: { read: 63, openat: 56, mount: 40, umount2: 39, open_by_handle_at: 265, unshare: 97, setns: 268, clone: 220, clone3: 435, ptrace: 117, process_vm_readv: 270, bpf: 280, keyctl: 219, finit_module: 273, kexec_load: 104, reboot: 142, swapon: 224, io_uring_setup: 425, ioctl: 29 },
} as const;
const ALLOW = "allow";
const KILL = "kill";
const errno = (n: number) => `errno ${n}`;

/** Runs a filter as the kernel would over seccomp_data { nr, arch, ip, args[6] }. */
function run(program: Uint8Array, arch: number, nr: number, args: number[] = []): string {
  const data = new DataView(new ArrayBuffer(64));
  data.setInt32(0, nr, true);
  data.setUint32(4, arch, true);
  args.forEach((value, i) => data.setBigUint64(16 + i * 8, BigInt(value), true));
  const code = new DataView(program.buffer, program.byteOffset, program.byteLength);
  let acc = 0;
  for (let pc = 0; pc < program.length / 8; pc++) {
    const op = code.getUint16(pc * 8, true);
    const jt = code.getUint8(pc * 8 + 2);
    const jf = code.getUint8(pc * 8 + 3);
    const k = code.getUint32(pc * 8 + 4, true);
    if (op === 0x20) acc = data.getUint32(k, true);
    else if (op === 0x15) pc += acc === k ? jt : jf;
    else if (op === 0x35) pc += acc >= k ? jt : jf;
    else if (op === 0x45) pc += (acc & k) !== 0 ? jt : jf;
    else if (op === 0x06) return k === 0x7fff0000 ? ALLOW : k === 0x80000000 ? KILL : (k & 0xffff0000) === 0x00050000 ? errno(k & 0xffff) : `unknown ${k}`;
    else throw new Error(`unexpected instruction ${op.toString(16)} at ${pc}`);
  }
  throw new Error("the program ran off its end");
}

describe.each(["x64", "arm64"] as SeccompArch[])("the seccomp filter on %s", (arch) => {
  const program = seccompProgram(arch);
  const nr = NR[arch];
  const call = (name: keyof typeof nr, args: number[] = []) => run(program, AUDIT_ARCH[arch], nr[name], args);

  test("refuses every call the issue names, with EPERM", () => {
    for (const name of ["mount", "umount2", "open_by_handle_at", "unshare", "setns", "ptrace", "process_vm_readv", "bpf", "keyctl", "finit_module", "kexec_load", "reboot", "swapon", "io_uring_setup"] as const) expect([name, call(name)]).toEqual([name, errno(1)]);
    for (const name of ["mount", "umount2", "pivot_root", "open_by_handle_at", "name_to_handle_at", "unshare", "setns", "ptrace", "process_vm_readv", "process_vm_writev", "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff"]) expect(deniedCalls(arch)).toContain(name);
  });

  test("lets the bundler's own calls through", () => {
    expect(call("read")).toBe(ALLOW);
    expect(call("openat")).toBe(ALLOW);
    expect(call("ioctl", [1, 0x5401])).toBe(ALLOW); // TCGETS
  });

  test("refuses clone with a namespace flag, allows a thread or a fork, and clone3 looks absent", () => {
    expect(call("clone", [0x10000000])).toBe(errno(1)); // CLONE_NEWUSER
    expect(call("clone", [0x00020000 | 17])).toBe(errno(1)); // CLONE_NEWNS | SIGCHLD
    expect(call("clone", [0x003d0f00])).toBe(ALLOW); // a pthread's flags
    expect(call("clone", [17])).toBe(ALLOW); // fork
    expect(call("clone3")).toBe(errno(38));
  });

  test("refuses pushing keystrokes into a terminal (TIOCSTI, TIOCLINUX)", () => {
    expect(call("ioctl", [0, 0x5412])).toBe(errno(1));
    expect(call("ioctl", [0, 0x541c])).toBe(errno(1));
  });

  test("kills a call made through another architecture's entry", () => {
    expect(run(program, 0x40000003, 21)).toBe(KILL); // i386 mount through int 0x80
  });

  test("lets ptrace through only for a tracer inside the sandbox", () => {
    expect(run(seccompProgram(arch, ["ptrace"]), AUDIT_ARCH[arch], nr.ptrace)).toBe(ALLOW);
    expect(run(seccompProgram(arch, ["ptrace"]), AUDIT_ARCH[arch], nr.mount)).toBe(errno(1));
  });
});

test("on x86_64, the x32 numbering of any call is refused", () => {
  expect(run(seccompProgram("x64"), AUDIT_ARCH.x64, 0x40000000 | 165)).toBe(errno(1));
  expect(run(seccompProgram("x64"), AUDIT_ARCH.x64, 0x40000000 | 0)).toBe(errno(1));
});

test("the probe's smallest sandbox starts here as a build's does: filter loaded, uid switched", async () => {
  const { powerlessProbeArgv, sandboxAvailability } = await import("../../src/sandbox/bwrap.ts");
  const { bwrap } = await sandboxAvailability();
  expect(bwrap).toBeDefined();
  const proc = Bun.spawn([...powerlessProbeArgv(bwrap!).slice(0, -1), "/bin/sh", "-c", "grep -E '^(Uid|CapEff|NoNewPrivs|Seccomp):' /proc/self/status"], { stdout: "pipe", stderr: "pipe", env: {} });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(stdout).toMatch(/^Uid:\s+65534\s/m);
  expect(stdout).toMatch(/^CapEff:\s+0+$/m);
  expect(stdout).toMatch(/^NoNewPrivs:\s+1$/m);
  expect(stdout).toMatch(/^Seccomp:\s+2$/m);
});
