/**
 * What every response of the console carries, and who may ask the API.
 *
 * Threats: a page on another site reading the store through the user's
 * browser (no CORS headers, a Host check against DNS rebinding, a bearer
 * token a cross-site request cannot add without a preflight we refuse); the
 * console framed by another site (frame-ancestors); an attacker-influenced
 * field (a service name, a package name) run as script (CSP with script only
 * from the console itself, no inline script; the front-end writes text only);
 * a token guessed one character at a time (compared in constant time).
 */
import { timingSafeEqual } from "node:crypto";
import { isLoopback } from "./listen.ts";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

/** `Authorization: Bearer <token>`, compared in constant time (both sides hashed first, so lengths do not leak either). */
export function bearerMatches(header: string | null, token: string): boolean {
  const given = /^Bearer ([\x21-\x7e]+)$/.exec(header ?? "")?.[1];
  if (given === undefined) return false;
  const digest = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * The Host names a loopback console answers to. A page on evil.example whose
 * DNS name is re-pointed at 127.0.0.1 reaches the console as same-origin, but
 * its requests still say `Host: evil.example`; without a token this check is
 * what keeps them out.
 */
export function loopbackHostAllowed(host: string | null, port: number): boolean {
  if (host === null) return false;
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(host);
  if (!match) return false;
  const name = match[1] ?? match[2]!;
  return isLoopback(name) && (match[3] === undefined ? port === 80 : Number(match[3]) === port);
}
