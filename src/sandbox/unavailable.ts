/**
 * Where no sandbox can run, build, rebuild and check refuse (SANDBOX_UNAVAILABLE,
 * exit 3) before any project code runs, and say why and what fixes it on this
 * machine. The cases are told apart by what the probe saw (src/sandbox/bwrap.ts):
 * no bwrap at all, or bwrap's own last words, read with a few facts of the
 * machine (root or not, a container, Ubuntu's AppArmor restriction). A build
 * without its sandbox is then only ever one that was asked for (--no-sandbox)
 * and is recorded as such.
 */
import { existsSync, readFileSync } from "node:fs";
import { BunsealError } from "../errors.ts";
import { sandboxAvailability, type SandboxAvailability } from "./bwrap.ts";

export type UnavailableCause = "missing" | "apparmor" | "userns-disabled" | "no-privilege" | "unknown";

export interface MachineFacts {
  root: boolean;
  /** docker, podman, a Kubernetes pod, LXC: the runtime's options decide whether namespaces can be made */
  container: boolean;
  /** Ubuntu 23.10 and later: kernel.apparmor_restrict_unprivileged_userns = 1 */
  apparmorRestricted: boolean;
  /** CAP_SYS_ADMIN in this process's effective set (what root needs to make namespaces without a user namespace) */
  capSysAdmin: boolean;
}

export interface Unavailable {
  cause: UnavailableCause;
  /** what was seen, in words */
  why: string;
  /** what fixes it here, most specific first */
  fix: string[];
}

/** The reason recorded when the caller turned the sandbox off (`--no-sandbox`, or `sandbox: false` in the library). */
export const TURNED_OFF = "turned off with --no-sandbox";

const INSTALL = "install bubblewrap: `sudo apt-get install bubblewrap` (Debian, Ubuntu), `sudo dnf install bubblewrap` (Fedora)";
const APPARMOR_PROFILE =
  "give bwrap an AppArmor profile that allows user namespaces (Ubuntu 24.04's own fix, for bwrap alone): write /etc/apparmor.d/bwrap with\n" +
  "      abi <abi/4.0>,\n      include <tunables/global>\n      profile bwrap /usr/bin/bwrap flags=(unconfined) {\n        userns,\n      }\n" +
  "    then `sudo apparmor_parser -r /etc/apparmor.d/bwrap`";
const APPARMOR_SYSCTL = "or lift the restriction for every program on the machine: `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`";
const CONTAINER =
  "in a container, start it with the options that let it make namespaces: docker/podman `--security-opt seccomp=unconfined --security-opt apparmor=unconfined`" +
  " (and `--cap-add SYS_ADMIN` when bunseal runs as root in it); a GitLab docker executor: those as `security_opt` (or `privileged = true`) in the runner's config.toml";
const ROOT_CAP = "as root, bwrap makes its namespaces with CAP_SYS_ADMIN, which this process lacks: run bunseal as an ordinary user (bwrap then uses a user namespace), or grant CAP_SYS_ADMIN";
const USERNS_SYSCTL = "allow unprivileged user namespaces: `sudo sysctl -w kernel.unprivileged_userns_clone=1` (older Debian), and `user.max_user_namespaces` above 0";

/** Why no sandbox runs here and how to fix it, from what the probe saw and what the machine is. */
export function explainUnavailable(seen: SandboxAvailability, machine: MachineFacts): Unavailable {
  const container = machine.container ? [CONTAINER] : [];
  if (seen.missing) return { cause: "missing", why: "bubblewrap (bwrap) is not installed", fix: [INSTALL] };
  const said = lastLine(seen.stderr ?? seen.reason ?? "");
  // Ubuntu 24.04: the user namespace is made, but AppArmor leaves it without the capabilities to map ids or set up a network
  if (/setting up uid map: Permission denied|loopback: Failed RTM_NEWADDR|apparmor/i.test(said) || (machine.apparmorRestricted && !machine.root)) {
    return { cause: "apparmor", why: `the kernel refused bwrap's user namespace (bwrap: "${said}"), as Ubuntu 24.04's AppArmor restriction on unprivileged user namespaces does`, fix: [APPARMOR_PROFILE, APPARMOR_SYSCTL, ...container] };
  }
  if (/No permissions to creat/i.test(said) || /not support user namespaces|No space left on device/i.test(said)) {
    return { cause: "userns-disabled", why: `the kernel does not let this user make namespaces (bwrap: "${said}")`, fix: machine.container ? [CONTAINER, USERNS_SYSCTL] : [USERNS_SYSCTL] };
  }
  if (/Operation not permitted/i.test(said)) {
    const why = machine.root && !machine.capSysAdmin ? "bunseal runs as root without CAP_SYS_ADMIN" : machine.container ? "the container refuses to make namespaces" : "making namespaces is not permitted here";
    return { cause: "no-privilege", why: `${why} (bwrap: "${said}")`, fix: [...container, ...(machine.root ? [ROOT_CAP] : [USERNS_SYSCTL])] };
  }
  return { cause: "unknown", why: `bwrap cannot make its namespaces here (${said || "no message"})`, fix: [...container, ...(machine.apparmorRestricted ? [APPARMOR_PROFILE] : []), USERNS_SYSCTL] };
}

/** The refusal: what was expected, what this machine gave, and what to do, including the explicit way out. */
export function sandboxUnavailableError(seen: SandboxAvailability, machine: MachineFacts = readMachineFacts()): BunsealError {
  const { cause, why, fix } = explainUnavailable(seen, machine);
  return new BunsealError(
    "SANDBOX_UNAVAILABLE",
    [
      `no sandbox can run on this machine: ${why}. bunseal runs a build only inside its sandbox, so nothing was built or signed.`,
      "  fix:",
      ...fix.map((line) => `    ${line}`),
      "  or build without it, recorded as such (sandbox.kind \"none\"; verify refuses it unless --allow-unsandboxed): --no-sandbox",
    ].join("\n"),
    { field: "sandbox", expected: "bubblewrap able to make namespaces", found: `${cause}: ${lastLine(seen.stderr ?? seen.reason ?? "")}` },
  );
}

/**
 * Refuses now, before anything of the project runs, unless the sandbox can run
 * or was turned off on purpose. The probe runs once per process, so this costs
 * nothing on top of the boundary's own question.
 */
export async function requireSandbox(turnedOff: boolean): Promise<void> {
  if (turnedOff) return;
  const seen = await sandboxAvailability();
  if (!seen.bwrap) throw sandboxUnavailableError(seen);
}

export function readMachineFacts(): MachineFacts {
  const read = (path: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return "";
    }
  };
  const capEff = /^CapEff:\s*([0-9a-f]+)/m.exec(read("/proc/self/status"))?.[1];
  return {
    root: process.getuid?.() === 0,
    container: existsSync("/.dockerenv") || existsSync("/run/.containerenv") || /docker|kubepods|containerd|lxc/.test(read("/proc/1/cgroup")),
    apparmorRestricted: read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").trim() === "1",
    // CAP_SYS_ADMIN is capability 21
    capSysAdmin: capEff !== undefined && (BigInt(`0x${capEff}`) & (1n << 21n)) !== 0n,
  };
}

const lastLine = (text: string) => text.trim().split("\n").at(-1)?.replace(/^bwrap:\s*/, "") ?? "";

/** What a build without its sandbox says on stderr, whatever else is silenced (--json, --quiet). */
export const UNSANDBOXED_WARNING = `no sandbox: ${TURNED_OFF}: the build sees the machine as bunseal does (.env files, keys, the network), and its record says sandbox.kind "none", which verify refuses unless --allow-unsandboxed`;
