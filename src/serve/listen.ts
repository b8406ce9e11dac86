/**
 * Where the console listens, and whether it may listen there. Pure: the
 * command decides before it opens the store or a socket.
 *
 * The console shows what runs where, who signed it and which packages it
 * ships: a map for an attacker. On the loopback address only this machine's
 * users reach it; anywhere else it must ask for a bearer token.
 */
import { BunsealError } from "../errors.ts";

export interface ListenAddress {
  hostname: string;
  port: number;
}

export const DEFAULT_LISTEN: ListenAddress = { hostname: "127.0.0.1", port: 7420 };

/** A token shorter than this could be guessed through the API, which answers as fast as it can. */
export const MIN_TOKEN_LENGTH = 16;

const EXPECTED = "HOST:PORT, as in 127.0.0.1:7420, [::1]:7420 or 0.0.0.0:7420 (port 0: any free port)";

/** `HOST:PORT`, `[IPv6]:PORT`, or `:PORT` (the default host). */
export function parseListen(spec: string | undefined): ListenAddress {
  if (spec === undefined) return DEFAULT_LISTEN;
  const invalid = (why: string) => new BunsealError("USAGE", `--listen ${JSON.stringify(spec)}: expected ${EXPECTED}; ${why}`, { field: "--listen", expected: EXPECTED, found: JSON.stringify(spec) });
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(spec.trim());
  if (!match) throw invalid("it is not HOST:PORT");
  const port = Number(match[3]);
  if (port > 65535) throw invalid("the port is above 65535");
  const hostname = match[1] ?? (match[2] || DEFAULT_LISTEN.hostname);
  return { hostname, port };
}

/** Literal loopback addresses (and `localhost`, which resolves to one): reachable from this machine only. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === "localhost" || host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host.replace(/^::ffff:/, ""));
  return v4 !== null && v4.slice(1).every((octet) => Number(octet) <= 255);
}

/**
 * Refuses to expose the store without a token, and a token too short to
 * stand in for a password. Intentionally no "I know what I am doing" flag: a
 * console on a shared network without a token is the mistake this prevents.
 */
export function checkExposure(listen: ListenAddress, token: string | undefined): void {
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new BunsealError("USAGE", `--token: expected at least ${MIN_TOKEN_LENGTH} characters, got ${token.length}`, { field: "--token", expected: `a token of at least ${MIN_TOKEN_LENGTH} characters`, found: `${token.length} characters` });
  }
  if (token === undefined && !isLoopback(listen.hostname)) {
    throw new BunsealError("USAGE", `--listen ${listen.hostname}: expected a loopback address (127.0.0.1, ::1, localhost) or --token TOKEN, got a non-loopback address without a token; anyone who can reach it would read the store`, {
      field: "--token",
      expected: "--token TOKEN for a non-loopback --listen",
      found: listen.hostname,
    });
  }
}
