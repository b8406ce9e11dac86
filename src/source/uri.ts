/**
 * SLSA source URIs (`git+<repo>@<ref>`): split, and compared the way every
 * command compares them — `verify --source-uri`, a policy's `sourceUris`,
 * `rebuild`'s clone URL and `inspect`'s summary all go through here.
 */

/**
 * The ref is what follows `@refs/`, or else the last `@` after the last `/`,
 * so the user part of `git+ssh://git@host/o/r` is not taken for a ref.
 */
export function splitSourceUri(uri: string): { repo: string; ref?: string } {
  const refs = uri.indexOf("@refs/");
  if (refs >= 0) return { repo: uri.slice(0, refs), ref: uri.slice(refs + 1) };
  const at = uri.lastIndexOf("@");
  if (at > uri.lastIndexOf("/")) return { repo: uri.slice(0, at), ref: uri.slice(at + 1) };
  return { repo: uri };
}

/** `git+` and a trailing `.git` are optional on either side; the wanted URI may name just the repository or repository@ref. */
export function sourceUriMatches(wanted: string, recorded: string): boolean {
  const normal = (u: string) => u.replace(/^git\+/, "").replace(/\.git(?=@|$)/, "");
  const got = normal(recorded);
  const want = normal(wanted);
  return want === got || want === splitSourceUri(got).repo;
}

/**
 * A full commit id matches exactly; an abbreviated one as a prefix. Callers
 * refuse fewer than 7 hex digits: a 1-digit "prefix" would accept one commit
 * in 16.
 */
export function commitMatches(wanted: string, recorded: string): boolean {
  return recorded.toLowerCase().startsWith(wanted.toLowerCase());
}

/** What to `git clone`: the repository without `git+` and without the ref. */
export function cloneUrl(sourceUri: string): string {
  return splitSourceUri(sourceUri.replace(/^git\+/, "")).repo;
}
