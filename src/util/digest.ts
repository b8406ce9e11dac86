/**
 * SHA-256 in one place. Files and artifacts go through Bun's native hasher
 * (about ten times the throughput of a pure-JS one on this kind of machine,
 * and a build hashes thousands of files), or through WebCrypto when a large
 * buffer should be hashed off the main thread. When the library is loaded by a
 * runtime without `Bun` (a Node consumer importing the verifier), the audited
 * pure-JS @noble/hashes implementation gives the same digests.
 */
import { BunsealError } from "../errors.ts";

export type Sha256Hex = string;

const hasNative = typeof globalThis.Bun !== "undefined";
// Loaded only where it is used: under Bun every command would otherwise pay for its start-up.
type Noble = { sha256: (data: Uint8Array) => Uint8Array; bytesToHex: (data: Uint8Array) => string };
let noble: Noble | undefined = hasNative ? undefined : await loadNoble();

async function loadNoble(): Promise<Noble> {
  const [{ sha256 }, { bytesToHex }] = await Promise.all([import("@noble/hashes/sha2.js"), import("@noble/hashes/utils.js")]);
  return { sha256, bytesToHex };
}

export function sha256Hex(data: Uint8Array | string): Sha256Hex {
  if (hasNative) return Bun.CryptoHasher.hash("sha256", data, "hex");
  return noble!.bytesToHex(noble!.sha256(typeof data === "string" ? new TextEncoder().encode(data) : data));
}

/**
 * The same digest computed off the main thread (WebCrypto runs on Bun's thread
 * pool), for large buffers the build stage hashes while it does other work.
 */
export async function sha256HexAsync(data: Uint8Array): Promise<Sha256Hex> {
  return Buffer.from(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>)).toString("hex");
}

/** The pure-JS path, exported so a test can hold both paths to the same answers. */
export async function sha256HexPortable(data: Uint8Array): Promise<Sha256Hex> {
  noble ??= await loadNoble();
  return noble.bytesToHex(noble.sha256(data));
}

const DIGEST_RE = /^(?:sha256:)?([0-9a-f]{64})$/;

/** Reads `sha256:<hex>` or bare hex; returns the hex, or undefined when it is not a digest. */
export function parseDigest(text: string): Sha256Hex | undefined {
  return DIGEST_RE.exec(text.trim().toLowerCase())?.[1];
}

/** A digest given on the command line: the hex, or a usage error naming the argument (`field`) and what was expected. */
export function digestArgument(text: string, field: string): Sha256Hex {
  const hex = parseDigest(text);
  if (hex === undefined) throw new BunsealError("USAGE", `${text}: expected sha256:<64 hex>`, { field, expected: "sha256:<64 hex>", found: text });
  return hex;
}

/** Up to this size a file is read whole and hashed in one call: streaming it in 64 KiB chunks costs more than the memory. */
const READ_WHOLE_BYTES = 32 * 1024 * 1024;

/** Hashes a file: read whole when small, streamed when large, so a large artifact never sits whole in memory. */
export async function sha256File(path: string): Promise<{ hex: Sha256Hex; size: number }> {
  const file = Bun.file(path);
  if (file.size <= READ_WHOLE_BYTES) {
    const bytes = await file.bytes();
    return { hex: sha256Hex(bytes), size: bytes.byteLength };
  }
  const hasher = new Bun.CryptoHasher("sha256");
  let size = 0;
  for await (const chunk of Bun.file(path).stream()) {
    hasher.update(chunk);
    size += chunk.byteLength;
  }
  return { hex: hasher.digest("hex"), size };
}
