/**
 * Short digests. `pins`, rollback's messages and the console print the first
 * 12 hex of a digest; a responder pastes that back. Any unique prefix of at
 * least 12 hex (with or without `sha256:`) names one digest the store holds:
 * an artifact's, or (unless only artifacts are wanted) a file's inside one.
 * A prefix shared by several digests names none of them: the error lists
 * them, so the responder can pick, and nothing acts on a guess.
 *
 * Twelve hex is 48 bits: two of a store's digests share such a prefix by
 * chance only past millions of them, and a prefix made to collide (an
 * attacker's artifact with a chosen prefix) is reported as ambiguous, never
 * resolved to the newer or older one.
 */
import { BunsealError } from "../errors.ts";
import type { Store } from "./store.ts";

export const MIN_PREFIX_HEX = 12;

/** how many matches an ambiguous prefix lists */
const SHOWN = 10;

const PREFIX = /^(?:sha256:)?([0-9a-f]+)$/i;

/** Whether text is shaped as a digest or a short one: `sha256:` and hex, or 12 to 64 bare hex. */
export function looksLikeDigestPrefix(text: string): boolean {
  const hex = PREFIX.exec(text.trim())?.[1];
  return hex !== undefined && (/^sha256:/i.test(text.trim()) || (hex.length >= MIN_PREFIX_HEX && hex.length <= 64));
}

/**
 * The one digest `text` names: a full digest as it is (the caller looks it up and
 * says NOT_FOUND), a prefix of 12 to 63 hex resolved against the store. Fails
 * with USAGE (not hex, too short), NOT_FOUND (no digest starts so) or
 * DIGEST_AMBIGUOUS (several do; the message and `found` list them).
 */
export async function resolveDigestPrefix(store: Store, text: string, options: { artifactsOnly?: boolean; field?: string } = {}): Promise<string> {
  const field = options.field ?? "digest";
  const hex = digestPrefixArgument(text, field);
  if (hex.length === 64) return hex;
  const what = options.artifactsOnly ? "artifact" : "artifact or file of one";
  const matches = await store.digestsWithPrefix(hex, SHOWN + 1, { artifactsOnly: options.artifactsOnly });
  if (matches.length === 1) return matches[0]!.digest;
  if (matches.length === 0) {
    throw new BunsealError("NOT_FOUND", `sha256:${hex}: expected the prefix of an ${what} digest in ${store.location}, got none that starts so`, { field, expected: `a prefix of a known ${what} digest`, found: `sha256:${hex}` });
  }
  const listed = matches.slice(0, SHOWN).map((m) => `sha256:${m.digest}${options.artifactsOnly ? "" : m.artifact ? " (artifact)" : " (file)"}`);
  const more = matches.length > SHOWN ? ", and more" : "";
  throw new BunsealError("DIGEST_AMBIGUOUS", `sha256:${hex} is the prefix of ${matches.length > SHOWN ? `more than ${SHOWN}` : matches.length} digests in ${store.location}: ${listed.join(", ")}${more}; expected a longer prefix naming one of them`, {
    field,
    expected: "a prefix naming one digest",
    found: listed.join(", ") + more,
  });
}

/** Pure, so a command can refuse a malformed short digest before it opens a store: the lower-case hex, or USAGE. */
export function digestPrefixArgument(text: string, field = "digest"): string {
  const given = text.trim();
  const hex = PREFIX.exec(given)?.[1]?.toLowerCase();
  if (hex === undefined || hex.length < MIN_PREFIX_HEX || hex.length > 64) {
    const shown = JSON.stringify(given.length > 80 ? `${given.slice(0, 77)}...` : given);
    throw new BunsealError("USAGE", `${field}: expected sha256:<hex> or hex, ${MIN_PREFIX_HEX} to 64 characters (a unique prefix of a digest), got ${shown}`, { field, expected: `sha256:<64 hex> or a unique prefix of ${MIN_PREFIX_HEX}+ hex`, found: given.length > 80 ? `${given.slice(0, 77)}...` : given });
  }
  return hex;
}

/** For the backends: a prefix as they are asked it (lower-case hex), or USAGE. */
export function checkPrefix(prefix: string): string {
  if (!/^[0-9a-f]{1,64}$/i.test(prefix)) throw new BunsealError("USAGE", `digest prefix: expected hex, got ${JSON.stringify(prefix.slice(0, 80))}`, { field: "digest", expected: "hex" });
  return prefix.toLowerCase();
}

/** For the backends: artifact and file digests as one list, in hex order, each once (an artifact may also be a file of another). */
export function mergePrefixMatches(prefix: string, artifacts: readonly string[], files: readonly string[], limit: number): { digest: string; artifact: boolean }[] {
  const found = new Map<string, boolean>();
  for (const d of files) found.set(d, false);
  for (const d of artifacts) found.set(d, true);
  return [...found]
    .filter(([d]) => d.startsWith(prefix))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, limit)
    .map(([digest, artifact]) => ({ digest, artifact }));
}

/**
 * Above this many holders, a page of the artifacts holding a file is best read
 * walking the artifacts in build order, probing the file's index for each
 * (about the page's own rows when most hold it), rather than reading all its
 * holders and sorting them (about a millisecond per few thousand). Asked with
 * a bounded probe (fileHoldersOverQuery), never a full count.
 */
export const MANY_HOLDERS = 1000;
