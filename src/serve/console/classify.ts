/**
 * What the search box was given. Pure, so the server's tests and the page
 * agree on it: a digest or a unique prefix of one (12 to 64 hex, with or
 * without `sha256:`), a commit prefix (7 to 11 hex; 12 or more only when no
 * digest starts so: `orCommit`), a package (`name@version` or a range,
 * scoped too), or a service name.
 *
 * Twelve hex is what `pins`, rollback and these pages print of a digest, and
 * also what they print of a commit. A digest is asked first: a 12-hex commit
 * prefix that is also a digest prefix is a 48-bit coincidence, and the page
 * says which one it found; `sha256:` in front rules the commit out.
 */
export type Query =
  /** `full`: all 64 hex; `orCommit`: no `sha256:`, so a commit prefix when no digest starts so */
  | { kind: "digest"; hex: string; full: boolean; orCommit: boolean }
  | { kind: "commit"; prefix: string }
  | { kind: "package"; spec: string }
  | { kind: "service"; name: string }
  | { kind: "invalid"; text: string };

export function classify(input: string): Query {
  const text = input.trim();
  const digest = /^(sha256:)?([0-9a-f]{12,64})$/i.exec(text);
  if (digest) return { kind: "digest", hex: digest[2]!.toLowerCase(), full: digest[2]!.length === 64, orCommit: digest[1] === undefined };
  if (/^[0-9a-f]{7,11}$/i.test(text)) return { kind: "commit", prefix: text.toLowerCase() };
  // a version or a range after @ (`<4.13.0`, `>=4.12.0 <4.13.0`)
  if (/^(?:@[^\s/@]+\/)?[^\s/@]+@[^@/]+$/.test(text)) return { kind: "package", spec: text };
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(text)) return { kind: "service", name: text };
  return { kind: "invalid", text };
}
