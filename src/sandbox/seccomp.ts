/**
 * The system calls the build may not make, as a classic-BPF seccomp program
 * that bubblewrap loads (`--seccomp FD`) just before it starts the build.
 * Namespaces, capabilities and a real unprivileged uid take the build's power
 * away; this takes away the calls that would win it back or reach past the
 * boundary anyway: mounting (undoing a mask over `.env` or the key), a new
 * user namespace (capabilities again, and reads the trace would miss as
 * "another namespace"), file handles (open_by_handle_at opens any inode of a
 * file system whose root is shown, masked or not), ptrace and
 * process_vm_* (another process's memory), io_uring (opens no seccomp filter
 * or strace sees), the kernel's keyring, modules, BPF, perf, swap and reboot.
 * The list follows Flatpak's and Chromium's (and Docker's default profile),
 * kept to what a bundler never needs.
 */

/** The architectures a filter is generated for, as the kernel names them in `seccomp_data.arch`. */
const AUDIT_ARCH = { x64: 0xc000003e, arm64: 0xc00000b7 } as const;
export type SeccompArch = keyof typeof AUDIT_ARCH;

/** Refused with EPERM, by name: numbers differ per architecture (x86_64 from asm/unistd_64.h, arm64 from asm-generic/unistd.h). */
const DENIED: Record<string, Partial<Record<SeccompArch, number>>> = {
  // the mount tree: undoing a mask, remounting the repository writable, the new mount API
  mount: { x64: 165, arm64: 40 },
  umount2: { x64: 166, arm64: 39 },
  pivot_root: { x64: 155, arm64: 41 },
  chroot: { x64: 161, arm64: 51 },
  open_tree: { x64: 428, arm64: 428 },
  move_mount: { x64: 429, arm64: 429 },
  fsopen: { x64: 430, arm64: 430 },
  fsconfig: { x64: 431, arm64: 431 },
  fsmount: { x64: 432, arm64: 432 },
  fspick: { x64: 433, arm64: 433 },
  mount_setattr: { x64: 442, arm64: 442 },
  open_tree_attr: { x64: 467, arm64: 467 },
  // any inode by handle, past every mask and mount
  open_by_handle_at: { x64: 304, arm64: 265 },
  name_to_handle_at: { x64: 303, arm64: 264 },
  // new namespaces: capabilities inside them, and reads a tracer keyed on the build's namespace would miss
  unshare: { x64: 272, arm64: 97 },
  setns: { x64: 308, arm64: 268 },
  // other processes' memory and descriptors
  ptrace: { x64: 101, arm64: 117 },
  process_vm_readv: { x64: 310, arm64: 270 },
  process_vm_writev: { x64: 311, arm64: 271 },
  pidfd_getfd: { x64: 438, arm64: 438 },
  kcmp: { x64: 312, arm64: 272 },
  // the kernel's own attack surface and state
  bpf: { x64: 321, arm64: 280 },
  perf_event_open: { x64: 298, arm64: 241 },
  userfaultfd: { x64: 323, arm64: 282 },
  fanotify_init: { x64: 300, arm64: 262 },
  keyctl: { x64: 250, arm64: 219 },
  add_key: { x64: 248, arm64: 217 },
  request_key: { x64: 249, arm64: 218 },
  init_module: { x64: 175, arm64: 105 },
  finit_module: { x64: 313, arm64: 273 },
  delete_module: { x64: 176, arm64: 106 },
  kexec_load: { x64: 246, arm64: 104 },
  kexec_file_load: { x64: 320, arm64: 294 },
  reboot: { x64: 169, arm64: 142 },
  swapon: { x64: 167, arm64: 224 },
  swapoff: { x64: 168, arm64: 225 },
  syslog: { x64: 103, arm64: 116 },
  acct: { x64: 163, arm64: 89 },
  quotactl: { x64: 179, arm64: 60 },
  quotactl_fd: { x64: 443, arm64: 443 },
  lookup_dcookie: { x64: 212, arm64: 18 },
  nfsservctl: { x64: 180, arm64: 42 },
  uselib: { x64: 134 },
  iopl: { x64: 172 },
  ioperm: { x64: 173 },
  _sysctl: { x64: 156 },
  settimeofday: { x64: 164, arm64: 170 },
  clock_settime: { x64: 227, arm64: 112 },
  clock_adjtime: { x64: 305, arm64: 266 },
  adjtimex: { x64: 159, arm64: 171 },
  // io_uring performs opens and reads that neither this filter nor strace sees
  io_uring_setup: { x64: 425, arm64: 425 },
  io_uring_enter: { x64: 426, arm64: 426 },
  io_uring_register: { x64: 427, arm64: 427 },
};

/** What may be allowed back, for a tracer that runs inside the sandbox (strace needs ptrace and reads the tracee's memory). */
export type SeccompAllowance = "ptrace";
const ALLOWABLE: Record<SeccompAllowance, readonly string[]> = { ptrace: ["ptrace", "process_vm_readv"] };

const CLONE = { x64: 56, arm64: 220 } as const;
/** clone3 passes its flags in memory, which a filter cannot read: ENOSYS, so libc falls back to clone, whose flags it can */
const CLONE3 = 435;
const IOCTL = { x64: 16, arm64: 29 } as const;
/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET */
const CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;
/** TIOCSTI and TIOCLINUX push keystrokes into a terminal the build might share (Flatpak refuses both) */
const TTY_INJECT = [0x5412, 0x541c];
/** x86_64's x32 ABI: the same calls under other numbers */
const X32_BIT = 0x40000000;

const EPERM = 1;
const ENOSYS = 38;
const RET_KILL_PROCESS = 0x80000000;
const RET_ERRNO = 0x00050000;
const RET_ALLOW = 0x7fff0000;

// seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6] (little-endian: the low half first)
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const offsetArgLow = (n: number) => 16 + n * 8;

const LD_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JEQ = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JGE = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const JSET = 0x45; // BPF_JMP | BPF_JSET | BPF_K
const RET = 0x06; // BPF_RET | BPF_K

type Label = "nr" | "eperm" | "enosys" | "clone" | "ioctl";
interface Instruction {
  code: number;
  k: number;
  /** where a jump goes when true / false: a label, or the next instruction */
  jt?: Label;
  jf?: Label;
  label?: Label;
}

/** The architecture of this process, when a filter exists for it. */
export function seccompArch(arch: string = process.arch): SeccompArch | undefined {
  return arch === "x64" || arch === "arm64" ? arch : undefined;
}

/** The names refused with EPERM on `arch` (for tests and the README). */
export function deniedCalls(arch: SeccompArch, allow: readonly SeccompAllowance[] = []): string[] {
  const allowed = new Set(allow.flatMap((a) => ALLOWABLE[a]));
  return Object.keys(DENIED).filter((name) => DENIED[name]![arch] !== undefined && !allowed.has(name));
}

/** The filter as the kernel takes it: `struct sock_filter[]`, 8 bytes each. */
export function seccompProgram(arch: SeccompArch, allow: readonly SeccompAllowance[] = []): Uint8Array {
  const program: Instruction[] = [
    // a call made through another architecture's entry (int 0x80 on x86_64) would bypass every number below
    { code: LD_ABS, k: OFFSET_ARCH },
    { code: JEQ, k: AUDIT_ARCH[arch], jt: "nr" },
    { code: RET, k: RET_KILL_PROCESS },
    { code: LD_ABS, k: OFFSET_NR, label: "nr" },
  ];
  if (arch === "x64") program.push({ code: JGE, k: X32_BIT, jt: "eperm" });
  for (const name of deniedCalls(arch, allow)) program.push({ code: JEQ, k: DENIED[name]![arch]!, jt: "eperm" });
  program.push({ code: JEQ, k: CLONE3, jt: "enosys" }, { code: JEQ, k: CLONE[arch], jt: "clone" }, { code: JEQ, k: IOCTL[arch], jt: "ioctl" });
  // every jump goes forward (classic BPF has no other kind): the verdicts come last
  program.push(
    { code: RET, k: RET_ALLOW },
    { code: LD_ABS, k: offsetArgLow(0), label: "clone" },
    { code: JSET, k: CLONE_NAMESPACES, jt: "eperm" },
    { code: RET, k: RET_ALLOW },
    { code: LD_ABS, k: offsetArgLow(1), label: "ioctl" },
    ...TTY_INJECT.map((request) => ({ code: JEQ, k: request, jt: "eperm" as Label })),
    { code: RET, k: RET_ALLOW },
    { code: RET, k: RET_ERRNO | EPERM, label: "eperm" },
    { code: RET, k: RET_ERRNO | ENOSYS, label: "enosys" },
  );
  return encode(program);
}

function encode(program: Instruction[]): Uint8Array {
  const at = new Map<Label, number>();
  program.forEach((ins, index) => ins.label && at.set(ins.label, index));
  // a jump without a label falls through to the next instruction
  const offset = (from: number, to: Label | undefined) => {
    if (to === undefined) return 0;
    const target = at.get(to)!;
    const jump = target - from - 1;
    if (jump < 0 || jump > 255) throw new Error(`seccomp: jump from ${from} to ${to} out of range`);
    return jump;
  };
  const bytes = new Uint8Array(program.length * 8);
  const view = new DataView(bytes.buffer);
  program.forEach((ins, index) => {
    const isJump = ins.code !== LD_ABS && ins.code !== RET;
    view.setUint16(index * 8, ins.code, true);
    view.setUint8(index * 8 + 2, isJump ? offset(index, ins.jt) : 0);
    view.setUint8(index * 8 + 3, isJump ? offset(index, ins.jf) : 0);
    view.setUint32(index * 8 + 4, ins.k >>> 0, true);
  });
  return bytes;
}
