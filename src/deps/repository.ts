/** Repository URLs compared as what they name, not how they are spelled. */

/** `git+https://github.com/Acme/Shop.git`, `git@github.com:acme/shop`, `github:acme/shop`, … → `github.com/acme/shop` */
export function normalizeRepository(value: unknown): string | null {
  const raw = typeof value === "string" ? value : typeof value === "object" && value !== null && typeof (value as { url?: unknown }).url === "string" ? (value as { url: string }).url : null;
  if (!raw) return null;
  let url = raw.trim().replace(/^git\+/, "");
  const shorthand = /^(github|gitlab|bitbucket):(.+)$/.exec(url);
  if (shorthand) url = `https://${shorthand[1]}.${shorthand[1] === "bitbucket" ? "org" : "com"}/${shorthand[2]}`;
  else if (/^[\w.-]+\/[\w.-]+$/.test(url)) url = `https://github.com/${url}`;
  url = url.replace(/^[a-z+]+:\/\/(?:[^@/]+@)?/i, "").replace(/^[^@/]+@([^:/]+):/, "$1/");
  url = url.replace(/@refs\/.*$/, "").replace(/#.*$/, "").replace(/\.git$/, "").replace(/\/+$/, "");
  const [host = "", ...path] = url.split("/");
  return [host.toLowerCase(), ...path].join("/").toLowerCase();
}
