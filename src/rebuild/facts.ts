/** What explain needs to know of each build, from its statement and from the machine it ran on. */
import { userInfo } from "node:os";
import type { BuildFacts } from "./cause.ts";
import type { RecordedBuild } from "./recorded.ts";

/** The facts a statement records. */
export function recordedFacts(recorded: RecordedBuild): BuildFacts {
  return {
    bunVersion: recorded.internal.bun.version,
    lockfileDigest: recorded.internal.lockfileDigest,
    inputs: recorded.inputs,
    packages: recorded.packages,
    configDigest: recorded.external.config.digest,
    sourceDateEpoch: recorded.internal.sourceDateEpoch,
    envNames: recorded.internal.env,
    startedAt: recorded.startedOn,
  };
}

/** The user bunseal runs as; undefined where the system has no name for the uid. */
export function currentUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
