/**
 * An npm registry on 127.0.0.1 serving fake Bun packages, so the fetch path
 * and every way a registry can let us down are tested without the network.
 * The "Bun" inside is a shell script answering --version, --revision and -e
 * as a real Bun would, which is all bunseal asks of a binary it fetches.
 */
import { archive, entry } from "../artifact/craft-tar.ts";
import { platformPackage } from "../../src/runtime/platform.ts";

export const PACKAGE = platformPackage();

/** A shell script that answers like Bun `version` at commit `revision`. */
export function fakeBunScript(version: string, revision = "ab".repeat(20)): string {
  return `#!/bin/sh
case "$1" in
  --version) echo "${version}" ;;
  --revision) echo "${version}+${revision.slice(0, 9)}" ;;
  -e) printf "${revision}" ;;
  *) exit 2 ;;
esac
`;
}

/** An npm-style package tarball: gzip of a tar with everything under "package/". */
export function fakePackage(files: Record<string, string | Uint8Array>): Uint8Array {
  return gzip(archive(...Object.entries(files).map(([name, data]) => entry({ name, data, mode: 0o755 }))));
}

export function gzip(tar: Uint8Array): Uint8Array {
  return Bun.gzipSync(tar as Uint8Array<ArrayBuffer>);
}

export function fakeBunPackage(version: string, script = fakeBunScript(version)): Uint8Array {
  return fakePackage({ "package/package.json": JSON.stringify({ name: PACKAGE, version }), "package/bin/bun": script });
}

export function sri(bytes: Uint8Array): string {
  return `sha512-${new Bun.CryptoHasher("sha512").update(bytes).digest("base64")}`;
}

export interface Release {
  tgz: Uint8Array;
  /** dist.integrity; defaults to the tarball's real sha512, null leaves it out */
  integrity?: string | null;
  /** dist.tarball; defaults to this server's /tarballs/<version>.tgz */
  tarball?: string;
}

export interface FakeRegistry {
  url: string;
  releases: Map<string, Release>;
  /** every path requested, in order */
  requests: string[];
  /** answer every request with this status instead */
  failWith?: number;
  stop(): void;
  [Symbol.dispose](): void;
}

export function fakeRegistry(prefix = "/"): FakeRegistry {
  const registry: FakeRegistry = {
    url: "",
    releases: new Map(),
    requests: [],
    stop: () => server.stop(true),
    [Symbol.dispose]: () => server.stop(true),
  };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request) {
      const path = new URL(request.url).pathname;
      registry.requests.push(path);
      if (registry.failWith !== undefined) return new Response("nope", { status: registry.failWith });
      const rest = path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
      if (rest === PACKAGE.replace("/", "%2f")) return Response.json(packument(registry));
      const tarball = /^tarballs\/(.+)\.tgz$/.exec(rest ?? "")?.[1] ?? /^@oven\/[^/]+\/-\/[^/]+-(.+)\.tgz$/.exec(rest ?? "")?.[1];
      const release = tarball === undefined ? undefined : registry.releases.get(tarball);
      return release === undefined ? new Response("not found", { status: 404 }) : new Response(release.tgz);
    },
  });
  registry.url = `http://127.0.0.1:${server.port}${prefix}`;
  return registry;
}

function packument(registry: FakeRegistry): unknown {
  const versions: Record<string, unknown> = {};
  for (const [version, release] of registry.releases) {
    const integrity = release.integrity === undefined ? sri(release.tgz) : release.integrity;
    const tarball = release.tarball ?? `${registry.url}tarballs/${version}.tgz`;
    versions[version] = { name: PACKAGE, version, dist: { tarball, ...(integrity === null ? {} : { integrity }), shasum: "0".repeat(40) } };
  }
  return { name: PACKAGE, "dist-tags": { latest: [...registry.releases.keys()].at(-1) }, versions };
}

/** A port nothing listens on: a request there fails at once, so a call that succeeds used no registry. */
export function deadRegistry(): string {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const url = `http://127.0.0.1:${server.port}/`;
  server.stop(true);
  return url;
}
