/**
 * fetchBun against a fake registry on 127.0.0.1: every refusal, and the cache,
 * without the network. Each security case is named after what it stops.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fetchBun } from "../../src/runtime/fetch-bun.ts";
import { rejection } from "../helpers/expect-error.ts";
import { makeTempDir } from "../helpers/testdir.ts";
import { archive, entry } from "../artifact/craft-tar.ts";
import { deadRegistry, fakeBunPackage, fakeBunScript, fakePackage, fakeRegistry, gzip, PACKAGE, sri } from "./fake-registry.ts";

const registry = fakeRegistry();
afterAll(() => registry.stop());

async function withCache<T>(run: (cacheDir: string) => Promise<T>): Promise<T> {
  await using dir = await makeTempDir("bunseal-bun-cache-");
  return run(dir.path);
}

function publish(version: string, release: Partial<Parameters<typeof registry.releases.set>[1]> = {}): void {
  registry.releases.set(version, { tgz: fakeBunPackage(version), ...release });
}

describe("fetchBun from a registry", () => {
  test("downloads, checks, caches and probes the platform package", () =>
    withCache(async (cacheDir) => {
      publish("0.1.0");
      const messages: string[] = [];
      const bun = await fetchBun("0.1.0", { cacheDir, registry: registry.url, onProgress: (m) => messages.push(m) });
      expect(bun).toEqual({ path: join(cacheDir, `bun-0.1.0-${PACKAGE.replace("@oven/bun-", "")}`, "bun"), version: "0.1.0", revision: "ab".repeat(20) });
      expect(messages[0]).toContain(`downloading Bun 0.1.0 (${PACKAGE}) from ${registry.url}tarballs/0.1.0.tgz`);
      const record = JSON.parse(await readFile(join(bun.path, "..", "entry.json"), "utf8"));
      expect(record).toMatchObject({ version: "0.1.0", package: PACKAGE, integrity: sri(registry.releases.get("0.1.0")!.tgz), revision: "ab".repeat(20) });
      expect((await Bun.file(bun.path).stat()).mode & 0o777).toBe(0o755);
    }));

  test("a second call is served from the cache with no registry at all", () =>
    withCache(async (cacheDir) => {
      publish("0.1.1");
      await fetchBun("0.1.1", { cacheDir, registry: registry.url });
      const before = registry.requests.length;
      const bun = await fetchBun("0.1.1", { cacheDir, registry: deadRegistry() });
      expect(bun.version).toBe("0.1.1");
      expect(registry.requests.length).toBe(before);
    }));

  test("honours a registry base URL with a path, and npm's rewrite of registry.npmjs.org tarball URLs to it", () =>
    withCache(async (cacheDir) => {
      using mirror = fakeRegistry("/api/npm/");
      mirror.releases.set("0.3.0", { tgz: fakeBunPackage("0.3.0"), tarball: `https://registry.npmjs.org/${PACKAGE}/-/${PACKAGE.slice(6)}-0.3.0.tgz` });
      const bun = await fetchBun("0.3.0", { cacheDir, registry: mirror.url.slice(0, -1) });
      expect(bun.version).toBe("0.3.0");
      expect(mirror.requests).toEqual([`/api/npm/${PACKAGE.replace("/", "%2f")}`, `/api/npm/${PACKAGE}/-/${PACKAGE.slice(6)}-0.3.0.tgz`]);
    }));
});

describe("refuses a download it cannot trust", () => {
  test("rejects a tarball that does not match the registry's sha512 integrity", () =>
    withCache(async (cacheDir) => {
      publish("0.2.0", { integrity: sri(fakeBunPackage("0.2.0", fakeBunScript("0.2.0", "cd".repeat(20)))) });
      const error = await rejection(fetchBun("0.2.0", { cacheDir, registry: registry.url }));
      expect(error.code).toBe("BUN_INTEGRITY_MISMATCH");
      expect(error.kind).toBe("environment");
      expect(error.message).toContain(`${PACKAGE}@0.2.0 from ${registry.url}tarballs/0.2.0.tgz: expected sha512-`);
      expect(error.message).toContain("refusing the download");
      // nothing half-trusted is left for the next run to find
      expect(await Bun.file(join(cacheDir, `bun-0.2.0-${PACKAGE.slice(10)}`, "entry.json")).exists()).toBe(false);
    }));

  test("rejects a packument with no integrity, before downloading", () =>
    withCache(async (cacheDir) => {
      publish("0.2.1", { integrity: null });
      const before = registry.requests.length;
      const error = await rejection(fetchBun("0.2.1", { cacheDir, registry: registry.url }));
      expect(error.code).toBe("BUN_INTEGRITY_MISMATCH");
      expect(error.message).toContain(`expected a sha512 integrity for ${PACKAGE}@0.2.1 in ${registry.url}${PACKAGE.replace("/", "%2f")}, got none`);
      expect(registry.requests.slice(before)).toHaveLength(1);
    }));

  test("rejects a packument that offers only a sha1 integrity (a downgrade)", () =>
    withCache(async (cacheDir) => {
      publish("0.2.2", { integrity: "sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=" });
      const error = await rejection(fetchBun("0.2.2", { cacheDir, registry: registry.url }));
      expect(error.code).toBe("BUN_INTEGRITY_MISMATCH");
      expect(error.found).toBe("sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    }));

  test("rejects a second sha512 that disagrees with the first", () =>
    withCache(async (cacheDir) => {
      const tgz = fakeBunPackage("0.2.3");
      publish("0.2.3", { tgz, integrity: `${sri(tgz)} ${sri(new Uint8Array(1))}` });
      expect((await rejection(fetchBun("0.2.3", { cacheDir, registry: registry.url }))).code).toBe("BUN_INTEGRITY_MISMATCH");
    }));

  test("rejects a dist.tarball pointing at the local disk", () =>
    withCache(async (cacheDir) => {
      publish("0.2.4", { tarball: "file:///etc/passwd" });
      const error = await rejection(fetchBun("0.2.4", { cacheDir, registry: registry.url }));
      expect(error.code).toBe("BUN_REGISTRY_FAILED");
      expect(error.message).toContain('dist.tarball "file:///etc/passwd" is not an http(s) URL');
    }));

  const hostile: [string, Uint8Array, string][] = [
    ["a package entry that climbs out of package/", fakePackage({ "package/../../evil": "x", "package/bin/bun": "x" }), "climbs out"],
    ["a symlink where the binary should be", gzip(archive(entry({ name: "package/bin/bun", type: "2", linkname: "/bin/sh" }))), "a symbolic link"],
    ["a package without bin/bun", fakePackage({ "package/package.json": "{}" }), "expected an entry package/bin/bun, found package/package.json"],
    ["a tarball that is not gzip", new TextEncoder().encode("<html>captive portal</html>"), "not gzip data"],
  ];
  for (const [attack, tgz, found] of hostile) {
    test(`rejects ${attack}`, () =>
      withCache(async (cacheDir) => {
        publish("0.2.5", { tgz });
        const error = await rejection(fetchBun("0.2.5", { cacheDir, registry: registry.url }));
        expect(error.code).toBe("BUN_REGISTRY_FAILED");
        expect(error.message).toContain(`${PACKAGE}@0.2.5 from ${registry.url}tarballs/0.2.5.tgz is not a usable Bun package`);
        expect(error.message).toContain(found);
      }));
  }

  test("rejects a package whose binary reports another version", () =>
    withCache(async (cacheDir) => {
      publish("0.2.6", { tgz: fakeBunPackage("0.2.6", fakeBunScript("0.2.7")) });
      const error = await rejection(fetchBun("0.2.6", { cacheDir, registry: registry.url }));
      expect(error.code).toBe("BUN_REGISTRY_FAILED");
      expect(error.message).toContain("to be Bun 0.2.6, got a binary reporting 0.2.7");
    }));

  test("a binary that does not run fails with BUN_FAILED naming the package and URL", () =>
    withCache(async (cacheDir) => {
      publish("0.2.8", { tgz: fakeBunPackage("0.2.8", "#!/bin/sh\necho 'illegal instruction' >&2\nexit 132\n") });
      const error = await rejection(fetchBun("0.2.8", { cacheDir, registry: registry.url }));
      expect(error.code).toBe("BUN_FAILED");
      expect(error.message).toContain("exited with status 132: illegal instruction");
      expect(error.message).toContain(`${PACKAGE} from ${registry.url}tarballs/0.2.8.tgz`);
    }));
});

describe("a tampered cache", () => {
  test("detects a cached binary swapped for one that prints the right version, and fetches again", () =>
    withCache(async (cacheDir) => {
      publish("0.4.0");
      const first = await fetchBun("0.4.0", { cacheDir, registry: registry.url });
      const genuine = await readFile(first.path);
      await writeFile(first.path, `${fakeBunScript("0.4.0")}# and something else\n`);

      // With no registry the impostor is refused, not used.
      const messages: string[] = [];
      const offline = await rejection(fetchBun("0.4.0", { cacheDir, registry: deadRegistry(), onProgress: (m) => messages.push(m) }));
      expect(offline.code).toBe("BUN_REGISTRY_FAILED");
      expect(messages[0]).toContain("does not match the digest recorded when it was fetched (expected sha256:");

      const again = await fetchBun("0.4.0", { cacheDir, registry: registry.url });
      expect(await readFile(again.path)).toEqual(genuine);
    }));

  test("discards a cache entry recorded for another version", () =>
    withCache(async (cacheDir) => {
      publish("0.4.1");
      const bun = await fetchBun("0.4.1", { cacheDir, registry: registry.url });
      const recordPath = join(bun.path, "..", "entry.json");
      await writeFile(recordPath, (await readFile(recordPath, "utf8")).replace('"version": "0.4.1"', '"version": "0.4.2"'));
      const messages: string[] = [];
      await fetchBun("0.4.1", { cacheDir, registry: registry.url, onProgress: (m) => messages.push(m) });
      expect(messages[0]).toContain(`is recorded as ${PACKAGE}@0.4.2`);
    }));
});

describe("registry failures", () => {
  test("an unknown version is bad input (exit 2) and names the package, registry and latest version", () =>
    withCache(async (cacheDir) => {
      publish("0.5.0");
      const error = await rejection(fetchBun("0.5.99", { cacheDir, registry: registry.url }));
      expect(error.code).toBe("BUN_VERSION_UNKNOWN");
      expect(error.kind).toBe("input");
      expect(error.message).toContain(`expected Bun 0.5.99 to be published as ${PACKAGE} on ${registry.url}`);
    }));

  test("a version that is not a version is refused before any request (it becomes a URL and a folder name)", async () => {
    const before = registry.requests.length;
    for (const version of ["../../../etc", "1.4.4/../../x", "latest", "1.4.4 ", ""]) {
      const error = await rejection(fetchBun(version, { registry: registry.url, cacheDir: "/nonexistent" }));
      expect(error.code).toBe("BUN_VERSION_UNKNOWN");
    }
    expect(registry.requests.length).toBe(before);
  });

  test("an unreachable registry is an environment failure naming the URL", () =>
    withCache(async (cacheDir) => {
      const dead = deadRegistry();
      const error = await rejection(fetchBun("0.5.0", { cacheDir, registry: dead }));
      expect(error.code).toBe("BUN_REGISTRY_FAILED");
      expect(error.kind).toBe("environment");
      expect(error.message).toContain(`could not fetch the packument of ${PACKAGE} from ${dead}`);
    }));

  for (const [status, found] of [[404, "has no package"], [500, "HTTP 500"]] as const) {
    test(`a registry answering ${status} is an environment failure`, () =>
      withCache(async (cacheDir) => {
        using broken = fakeRegistry();
        broken.failWith = status;
        const error = await rejection(fetchBun("0.5.0", { cacheDir, registry: broken.url }));
        expect(error.code).toBe("BUN_REGISTRY_FAILED");
        expect(error.message).toContain(found);
      }));
  }

  test("a malformed registry URL is a usage error", async () => {
    const error = await rejection(fetchBun("0.5.0", { cacheDir: "/nonexistent", registry: "ftp://example.com" }));
    expect(error.code).toBe("USAGE");
  });
});
