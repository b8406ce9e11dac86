/**
 * Finds one published version of a Bun platform package on an npm registry:
 * where its tarball is and the integrity the registry vouches for.
 */
import { BunsealError } from "../errors.ts";
import { get } from "./download.ts";

export const NPMJS = "https://registry.npmjs.org/";

export interface PublishedVersion {
  packageName: string;
  version: string;
  packumentUrl: string;
  tarball: URL;
  /** dist.integrity exactly as the registry gave it (checked by integrity.ts, not here) */
  integrity: unknown;
}

/** The registry to use: the option, else npm's own environment settings, else npmjs. */
export function registryBase(explicit?: string, env: Record<string, string | undefined> = process.env): URL {
  const text = explicit ?? env.npm_config_registry ?? env.NPM_CONFIG_REGISTRY ?? NPMJS;
  let url: URL | undefined;
  try {
    url = new URL(text.endsWith("/") ? text : `${text}/`);
  } catch {
    // reported below with the value
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new BunsealError("USAGE", `expected the npm registry to be an http(s) URL, got ${JSON.stringify(text)}`, { field: "registry", expected: "an http(s) URL", found: text });
  }
  return url;
}

// The abbreviated packument npm install reads; full JSON from registries that lack it.
const ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";

export async function lookupVersion(base: URL, packageName: string, version: string): Promise<PublishedVersion> {
  // Scoped names are fetched with the slash escaped, as npm does: /@oven%2fbun-linux-x64
  const url = new URL(packageName.replace("/", "%2f"), base);
  const what = `the packument of ${packageName}`;
  const broken = (why: string): never => {
    throw new BunsealError("BUN_REGISTRY_FAILED", `${url.href} is not a usable packument of ${packageName}: ${why}`, { expected: `the packument of ${packageName}`, found: why });
  };
  const got = await get(url, { accept: ACCEPT, maxBytes: 32 * 1024 * 1024, what, idleMs: 30_000 });
  if (got.status === 404) {
    // Bun publishes every platform package with every release, so a registry without the package is a registry problem.
    throw new BunsealError("BUN_REGISTRY_FAILED", `the registry at ${base.href} has no package ${packageName} (404 from ${url.href})`, { expected: packageName, found: "404" });
  }
  if (got.status < 200 || got.status > 299) throw new BunsealError("BUN_REGISTRY_FAILED", `could not fetch ${what} from ${url.href}: HTTP ${got.status}`, { found: `HTTP ${got.status}` });
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(got.bytes));
  } catch (cause) {
    return broken(`not JSON (${(cause as Error).message})`);
  }
  const packument = object(doc) ?? broken("not a JSON object");
  if (packument.name !== packageName) broken(`expected name ${JSON.stringify(packageName)}, got ${JSON.stringify(packument.name)}`);
  const versions = object(packument.versions) ?? broken("no versions object");
  const manifest = Object.hasOwn(versions, version) ? object(versions[version]) : undefined;
  if (manifest === undefined) {
    const latest = object(packument["dist-tags"])?.latest;
    throw new BunsealError("BUN_VERSION_UNKNOWN", `expected Bun ${version} to be published as ${packageName} on ${base.href}, but ${url.href} does not list it${typeof latest === "string" ? ` (latest is ${latest})` : ""}`, {
      field: "bun.version",
      expected: `a published version of ${packageName}`,
      found: version,
    });
  }
  if (manifest.version !== version) broken(`versions[${JSON.stringify(version)}] says it is version ${JSON.stringify(manifest.version)}`);
  const dist = object(manifest.dist) ?? broken(`no dist for ${version}`);
  if (typeof dist.tarball !== "string") broken(`no dist.tarball for ${version}`);
  return { packageName, version, packumentUrl: url.href, tarball: tarballUrl(dist.tarball as string, base, broken), integrity: dist.integrity };
}

/**
 * The tarball URL the packument gives, with npm's `replace-registry-host=npmjs`
 * default applied: a mirror that copies npmjs packuments verbatim still points
 * at registry.npmjs.org, and an offline CI must fetch from the mirror instead.
 */
function tarballUrl(text: string, base: URL, broken: (why: string) => never): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return broken(`dist.tarball ${JSON.stringify(text)} is not a URL`);
  }
  // No file: or data: URL: the packument must not be able to point us at the local disk.
  if (url.protocol !== "https:" && url.protocol !== "http:") return broken(`dist.tarball ${JSON.stringify(text)} is not an http(s) URL`);
  if (url.href.startsWith(NPMJS) && base.href !== NPMJS) return new URL(url.href.slice(NPMJS.length), base);
  return url;
}

function object(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
