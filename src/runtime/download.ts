/**
 * GETs from the registry, hashing the body with sha512 as it arrives and
 * keeping it in memory. A Bun tarball is about 50 MB (bun-linux-x64 1.4.4:
 * 52,418,437 bytes); holding it, then the ~100 MB tar and the binary, peaks
 * near 300 MB, which a CI runner has, and saves a temp file to clean up. Sizes
 * are capped and a stalled connection is dropped, so a broken or hostile
 * registry can neither fill memory nor hang a rebuild.
 */
import { BunsealError } from "../errors.ts";

export interface GetOptions {
  accept: string;
  maxBytes: number;
  /** what is being fetched, for messages: "the packument of @oven/bun-linux-x64" */
  what: string;
  /** abort when no data arrives for this long */
  idleMs?: number;
}

export interface GetResult {
  status: number;
  /** empty unless the status was 2xx */
  bytes: Uint8Array;
  /** base64 sha512 of `bytes` */
  sha512: string;
}

export async function get(url: URL, options: GetOptions): Promise<GetResult> {
  const idleMs = options.idleMs ?? 60_000;
  const controller = new AbortController();
  let stalled = false;
  let timer: Timer | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, idleMs);
  };
  const fail = (why: string, cause?: unknown): never => {
    throw new BunsealError("BUN_REGISTRY_FAILED", `could not fetch ${options.what} from ${url.href}: ${why}`, { cause });
  };
  arm();
  try {
    let response: Response;
    try {
      response = await fetch(url, { headers: { accept: options.accept }, signal: controller.signal });
    } catch (cause) {
      return fail(stalled ? `no answer for ${idleMs / 1000}s` : (cause as Error).message, cause);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      return { status: response.status, bytes: new Uint8Array(0), sha512: "" };
    }
    const declared = Number(response.headers.get("content-length") ?? NaN);
    if (declared > options.maxBytes) fail(`expected at most ${options.maxBytes} bytes, the server announced ${declared}`);
    const hasher = new Bun.CryptoHasher("sha512");
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body ?? []) {
        arm();
        size += chunk.byteLength;
        if (size > options.maxBytes) {
          controller.abort();
          fail(`expected at most ${options.maxBytes} bytes, got more`);
        }
        hasher.update(chunk);
        chunks.push(chunk);
      }
    } catch (cause) {
      if (cause instanceof BunsealError) throw cause;
      fail(stalled ? `the download stalled for ${idleMs / 1000}s after ${size} bytes` : `the connection failed after ${size} bytes: ${(cause as Error).message}`, cause);
    }
    return { status: response.status, bytes: Buffer.concat(chunks, size), sha512: hasher.digest("base64") };
  } finally {
    clearTimeout(timer);
  }
}
