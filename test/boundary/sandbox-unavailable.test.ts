/**
 * Which fix a machine without a working sandbox is told (src/sandbox/unavailable.ts):
 * each case is what bwrap says on such a machine, read with the machine's facts.
 * The end-to-end refusals (exit 3, nothing built) are in no-sandbox.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { explainUnavailable, sandboxUnavailableError, type MachineFacts } from "../../src/sandbox/unavailable.ts";

const user: MachineFacts = { root: false, container: false, apparmorRestricted: false, capSysAdmin: false };
const failing = (stderr: string) => ({ reason: `bubblewrap cannot create namespaces here (${stderr})`, stderr });

describe("a machine where no sandbox runs is told its own fix", () => {
  const cases: { machine: string; seen: Parameters<typeof explainUnavailable>[0]; facts: MachineFacts; cause: string; fix: string[] }[] = [
    { machine: "bubblewrap not installed", seen: { reason: "bubblewrap is not installed", missing: true }, facts: user, cause: "missing", fix: ["sudo apt-get install bubblewrap"] },
    { machine: "Ubuntu 24.04, AppArmor's restriction on user namespaces", seen: failing("bwrap: setting up uid map: Permission denied"), facts: { ...user, apparmorRestricted: true }, cause: "apparmor", fix: ["profile bwrap /usr/bin/bwrap", "kernel.apparmor_restrict_unprivileged_userns=0"] },
    { machine: "Ubuntu 24.04 with --unshare-net refused first", seen: failing("bwrap: loopback: Failed RTM_NEWADDR: Operation not permitted"), facts: { ...user, apparmorRestricted: true }, cause: "apparmor", fix: ["apparmor_parser -r /etc/apparmor.d/bwrap"] },
    { machine: "a kernel without unprivileged user namespaces", seen: failing("bwrap: No permissions to create new namespace, likely because the kernel does not allow non-privileged user namespaces."), facts: user, cause: "userns-disabled", fix: ["kernel.unprivileged_userns_clone=1"] },
    { machine: "a docker container's default seccomp profile, as a user", seen: failing("bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces."), facts: { ...user, container: true }, cause: "userns-disabled", fix: ["--security-opt seccomp=unconfined --security-opt apparmor=unconfined"] },
    { machine: "root in docker without CAP_SYS_ADMIN", seen: failing("bwrap: Creating new namespace failed: Operation not permitted"), facts: { root: true, container: true, apparmorRestricted: false, capSysAdmin: false }, cause: "no-privilege", fix: ["--cap-add SYS_ADMIN", "run bunseal as an ordinary user"] },
  ];
  for (const c of cases) {
    test(c.machine, () => {
      const explained = explainUnavailable(c.seen, c.facts);
      expect(explained.cause).toBe(c.cause as never);
      for (const fix of c.fix) expect(explained.fix.join("\n")).toContain(fix);
    });
  }

  test("the refusal is SANDBOX_UNAVAILABLE, an environment error (exit 3), naming what bwrap said and the way out", () => {
    const error = sandboxUnavailableError(failing("bwrap: Creating new namespace failed: Operation not permitted"), { root: true, container: true, apparmorRestricted: false, capSysAdmin: false });
    expect(error.code).toBe("SANDBOX_UNAVAILABLE");
    expect(error.kind).toBe("environment");
    expect(error.message).toStartWith("no sandbox can run on this machine: bunseal runs as root without CAP_SYS_ADMIN (bwrap: \"Creating new namespace failed: Operation not permitted\")");
    expect(error.message).toContain("nothing was built or signed");
    expect(error.message).toContain("--no-sandbox");
    expect(error.found).toBe("no-privilege: Creating new namespace failed: Operation not permitted");
  });
});
