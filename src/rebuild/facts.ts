/** What explain needs to know of each build, from its statement and from the machine it ran on. */
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
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
    scriptsRun: recorded.trustedScripts,
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

/** The install scripts (preinstall, install, postinstall) of each package that had them run, from its installed package.json. */
export function installScripts(projectDir: string, packages: readonly string[]): Map<string, string> {
  const scripts = new Map<string, string>();
  for (const key of packages) {
    const name = key.slice(0, key.lastIndexOf("@") > 0 ? key.lastIndexOf("@") : key.length);
    try {
      // the package's own manifest, as installed from its integrity-checked tarball: quoted, never run
      const manifest = JSON.parse(readFileSync(join(projectDir, "node_modules", name, "package.json"), "utf8")) as { scripts?: Record<string, unknown> };
      const found = ["preinstall", "install", "postinstall"].flatMap((hook) => (typeof manifest.scripts?.[hook] === "string" ? [`${hook}: ${JSON.stringify(manifest.scripts[hook])}`] : []));
      if (found.length > 0) scripts.set(name, found.join(", "));
    } catch {
      // not installed where the rebuild looks, or no manifest: the record's word stands alone
    }
  }
  return scripts;
}
