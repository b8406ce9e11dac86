/**
 * The pin file deploy tooling reads: `pins/<service>.<env>.json`, the newest
 * pin of that history with its signed statement. Written atomically, and
 * never replaced by an older pin, even when two pins race.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { BunsealError } from "../errors.ts";
import type { PinRecord } from "../store/store.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { describeIssues, formatProblems } from "../util/schema-issues.ts";

export const PinFileSchema = z.strictObject({
  pinFileVersion: z.literal(1),
  service: z.string().min(1),
  env: z.string().min(1),
  sequence: z.number().int().positive(),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  previousDigest: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  actor: z.string(),
  reason: z.string(),
  pinnedAt: z.string(),
  rollbackOf: z.number().int().positive().nullable(),
  /** the Sigstore bundle of the signed pin statement */
  bundle: z.record(z.string(), z.unknown()),
});

export type PinFile = z.infer<typeof PinFileSchema>;

export function pinFileName(service: string, env: string): string {
  return `${service}.${env}.json`;
}

export function toPinFile(pin: PinRecord): PinFile {
  const { bundle, ...rest } = pin;
  return { pinFileVersion: 1, ...rest, bundle: JSON.parse(bundle) };
}

export async function readPinFile(path: string): Promise<PinFile> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (cause) {
    throw new BunsealError("INPUT_UNREADABLE", `${path}: expected a pin file in JSON, got ${(cause as Error).message}`, { file: path, expected: "a pin file", cause });
  }
  const parsed = PinFileSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const problems = describeIssues(parsed.error.issues);
    throw new BunsealError("INPUT_UNREADABLE", `${path}: not a bunseal pin file:\n${formatProblems(problems)}`, { file: path, field: problems[0]?.field, expected: problems[0]?.expected, found: problems[0]?.found });
  }
  return parsed.data;
}

const LOCK_STALE_MS = 30_000;

/** Writes the pin file unless the one there is already newer; pins racing each other leave the newest. */
export async function exportPinFile(dir: string, pin: PinRecord): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, pinFileName(pin.service, pin.env));
  const lock = `${path}.lock`;
  await acquire(lock);
  try {
    const existing = await readPinFile(path).catch(() => undefined);
    if (!existing || existing.sequence < pin.sequence) await writeFileAtomic(path, `${JSON.stringify(toPinFile(pin), null, 2)}\n`);
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
  return path;
}

/**
 * A lock folder: mkdir is atomic. It names its owner, so a lock left by a
 * killed process is broken at once rather than after a timeout.
 */
async function acquire(lock: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, "owner"), String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (await abandoned(lock)) await rm(lock, { recursive: true, force: true });
      if (Date.now() - started > LOCK_STALE_MS) throw new BunsealError("IO_FAILED", `${lock} stayed locked; expected the other pin to finish`, { file: lock });
      await Bun.sleep(2 + Math.random() * 10);
    }
  }
}

async function abandoned(lock: string): Promise<boolean> {
  const owner = Number(await readFile(join(lock, "owner"), "utf8").catch(() => ""));
  if (!owner) {
    // just made, owner not written yet; or left by a process killed in between
    const age = Date.now() - ((await Bun.file(lock).stat().catch(() => undefined))?.mtimeMs ?? Date.now());
    return age > 2000;
  }
  try {
    process.kill(owner, 0);
    return false;
  } catch {
    return true;
  }
}
