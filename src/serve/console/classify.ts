/**
 * What the search box was given. Pure, so the server's tests and the page
 * agree on it: a 64-hex digest (with or without `sha256:`), a commit prefix
 * (7 to 63 hex), a package (`name@version`, scoped too), or a service name.
 */
export type Query =
  | { kind: "digest"; hex: string }
  | { kind: "commit"; prefix: string }
  | { kind: "package"; spec: string }
  | { kind: "service"; name: string }
  | { kind: "invalid"; text: string };

export function classify(input: string): Query {
  const text = input.trim();
  const digest = /^(?:sha256:)?([0-9a-f]{64})$/i.exec(text);
  if (digest) return { kind: "digest", hex: digest[1]!.toLowerCase() };
  if (/^[0-9a-f]{7,63}$/i.test(text)) return { kind: "commit", prefix: text.toLowerCase() };
  if (/^(?:@[^\s/@]+\/)?[^\s/@]+@[^\s@/]+$/.test(text)) return { kind: "package", spec: text };
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(text)) return { kind: "service", name: text };
  return { kind: "invalid", text };
}
