/**
 * What `deps verify` asks of an npm registry: the signing keys, one version's
 * metadata, and its attestations. Every answer is cached on disk, so a second
 * run (or `--offline`) needs no network; a registry that does not serve keys
 * or attestations says so with a 404, which is an answer, not a failure.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { BunsealError } from "../errors.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { sha256Hex } from "../util/digest.ts";

export interface RegistryClientOptions {
  registry: string;
  cacheDir?: string;
  offline?: boolean;
}

/** `null` means the registry answered 404: it has no such thing. */
export type Fetched<T> = T | null;

export class RegistryClient {
  readonly registry: string;
  private readonly cacheDir: string;
  private readonly offline: boolean;

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry.replace(/\/+$/, "");
    this.cacheDir = options.cacheDir ?? join(homedir(), ".bunseal", "cache", "npm");
    this.offline = options.offline ?? false;
  }

  keys(): Promise<Fetched<{ keys: { keyid: string; key: string; expires: string | null; scheme?: string }[] }>> {
    return this.get("/-/npm/v1/keys");
  }

  version(name: string, version: string): Promise<Fetched<{ name: string; version: string; repository?: unknown; dist?: { integrity?: string; signatures?: { keyid: string; sig: string }[]; attestations?: { url: string; provenance?: { predicateType?: string } } } }>> {
    return this.get(`/${name.replace("/", "%2f")}/${encodeURIComponent(version)}`);
  }

  attestations(url: string): Promise<Fetched<{ attestations: { predicateType: string; bundle: Record<string, unknown> }[] }>> {
    return this.get(url);
  }

  private async get<T>(pathOrUrl: string): Promise<Fetched<T>> {
    const url = pathOrUrl.startsWith("http") ? pathOrUrl : `${this.registry}${pathOrUrl}`;
    const cached = join(this.cacheDir, `${sha256Hex(url)}.json`);
    if (existsSync(cached)) return (JSON.parse(await readFile(cached, "utf8")) as { body: T | null }).body;
    if (this.offline) throw new BunsealError("DEPS_OFFLINE_MISS", `--offline: ${url} is not in the cache (${this.cacheDir}); expected a previous online run to have fetched it`, { file: this.cacheDir, expected: "a cached answer", found: "none" });
    let response: Response;
    try {
      response = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(30_000) });
    } catch (cause) {
      throw new BunsealError("BUN_REGISTRY_FAILED", `cannot reach ${url}: ${(cause as Error).message}`, { file: url, cause });
    }
    if (response.status !== 200 && response.status !== 404) {
      throw new BunsealError("BUN_REGISTRY_FAILED", `${url} answered ${response.status}; expected 200 or 404`, { file: url, expected: "200 or 404", found: String(response.status) });
    }
    const body = response.status === 404 ? null : ((await response.json()) as T);
    await writeFileAtomic(cached, JSON.stringify({ url, fetchedAt: new Date().toISOString(), body }));
    return body;
  }
}
