/**
 * The child's side of the key holder (src/sign/key-holder.ts): the key
 * bunseal's first process holds, as a signer that asks that process over the
 * IPC channel it started this process with. The child learns the public half
 * and the key file's path (for the sandbox to mask), never the key.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BunsealError, type ErrorCode, type ErrorDetails } from "../errors.ts";
import { HELD_KEY } from "./key-holder.ts";
import { keyIdOf } from "./keys.ts";
import type { Signer } from "./signer.ts";

export { HELD_KEY };

export interface HeldKey {
  signer: Signer;
  publicKey: KeyObject;
  /** the key file's absolute path, for the sandbox to mask */
  path: string;
}

let held: Promise<HeldKey> | undefined;

/** The key the parent holds; asked for once per process. */
export function heldKey(): Promise<HeldKey> {
  held ??= connect();
  return held;
}

type Reply = Record<string, unknown> & { error?: { code: ErrorCode; message: string } & ErrorDetails };

let nextId = 0;
const pending = new Map<number, (reply: Reply) => void>();

async function ask(request: { op: string; data?: string }): Promise<Reply> {
  const id = ++nextId;
  const reply = await new Promise<Reply>((answer) => {
    pending.set(id, answer);
    // the channel keeps this process alive only while an answer is awaited
    if (!process.connected) return answer({ error: { code: "IO_FAILED", message: "bunseal's key-holding process has ended" } });
    process.channel?.ref();
    process.send!({ id, ...request });
  });
  if (reply.error) {
    const { code, message, ...details } = reply.error;
    throw new BunsealError(code, message, details);
  }
  return reply;
}

/**
 * Above this size the bytes to sign go through a file of this process's own
 * (a fresh 0700 folder), not the channel: a statement of 10,000 inputs is
 * ≈2 MB, and as base64 in a JSON message it took ≈60 ms to cross, against
 * ≈10 ms written and read. Nothing of the project runs by then (the sandbox
 * is gone), and the holder signs whatever its child asks in either case.
 */
const BY_FILE_BYTES = 256 * 1024;

async function askByFile(data: Buffer): Promise<Reply> {
  const dir = await mkdtemp(join(tmpdir(), "bunseal-sign-"));
  try {
    const path = join(dir, "payload");
    await writeFile(path, data, { mode: 0o600 });
    return await ask({ op: "sign-file", data: path });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function connect(): Promise<HeldKey> {
  if (!process.send) {
    throw new BunsealError("USAGE", `${HELD_KEY}: expected a key file; this name is bunseal's own, for a key its first process holds`, { field: "--key", expected: "a key file", found: HELD_KEY });
  }
  process.on("message", (reply: Reply) => {
    const answer = pending.get(reply.id as number);
    pending.delete(reply.id as number);
    if (pending.size === 0) process.channel?.unref();
    answer?.(reply);
  });
  // the holder is gone (killed): what waits for it fails rather than waiting for ever
  process.on("disconnect", () => {
    for (const [id, answer] of pending) {
      pending.delete(id);
      answer({ error: { code: "IO_FAILED", message: "bunseal's key-holding process ended before it answered" } });
    }
  });
  const described = await ask({ op: "describe" });
  const publicKey = createPublicKey(described.publicKey as string);
  const publicPem = publicKey.export({ type: "spki", format: "pem" }) as string;
  const hint = keyIdOf(publicKey);
  const signer: Signer = {
    async sign(data: Buffer) {
      const reply = data.byteLength > BY_FILE_BYTES ? await askByFile(data) : await ask({ op: "sign", data: data.toString("base64") });
      return { signature: Buffer.from(reply.signature as string, "base64"), key: { $case: "publicKey", publicKey: publicPem, hint } };
    },
  };
  return { signer, publicKey, path: described.path as string };
}
