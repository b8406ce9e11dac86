/**
 * The pin file deploy tooling reads: `pins/<service>@<env>.json`, the newest
 * pin of that history with its signed statement. Written atomically, and
 * never replaced by an older pin, even when two pins race.
 *
 * Its path is made from two names, one of which can come from a signed
 * statement someone else wrote: both must match the one name pattern, and
 * the path must still be inside the pins folder (issue 8, attack 7).
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { z } from "../vendor/zod.js";
import { assertName, NAME_EXPECTED, NAME_PATTERN } from "../config/names.ts";
import { BunsealError } from "../errors.ts";
import type { PinRecord } from "../store/store.ts";
import { ioError, renameIntoPlace, stageFile } from "../util/atomic-write.ts";
import { describeIssues, formatProblems } from "../util/schema-issues.ts";

export const PinFileSchema = z.strictObject({
  pinFileVersion: z.literal(1),
  service: z.string().regex(NAME_PATTERN, NAME_EXPECTED),
  env: z.string().regex(NAME_PATTERN, NAME_EXPECTED),
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

/**
 * The one character between service and env in a pin file's name: outside the
 * name pattern, so no two (service, env) pairs share a file. The old separator,
 * '.', is a name character: (web, prod.eu) and (web.prod, eu) both made
 * web.prod.eu.json, and each pin of one overwrote the other's (issue 20, item 10).
 */
export const PIN_FILE_SEPARATOR = "@";

export function pinFileName(service: string, env: string): string {
  return `${assertName(service, "service")}${PIN_FILE_SEPARATOR}${assertName(env, "env")}.json`;
}

/**
 * The name an older bunseal gave the pin file of (service, env): still read, and still
 * kept up to date where it holds this very pair's pin, for deploy tooling that reads it;
 * never trusted to say which pair it is (its content does).
 */
export function legacyPinFileName(service: string, env: string): string {
  return `${assertName(service, "service")}.${assertName(env, "env")}.json`;
}

/** The pin file of (service, env) in `dir`: from valid names only, and checked to be directly inside `dir`. */
export function pinFilePath(dir: string, service: string, env: string): string {
  const folder = resolve(dir);
  const path = resolve(folder, pinFileName(service, env));
  // the names cannot hold a '/', so this cannot fail; it is the last line should the pattern ever be loosened
  if (dirname(path) !== folder) {
    throw new BunsealError("NAME_INVALID", `the pin file for ${JSON.stringify(service)} in ${JSON.stringify(env)} would be ${path}, outside ${folder}`, { file: path, expected: `a file in ${folder}` });
  }
  return path;
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

/** A pin file written and synced under a temporary name, not yet in place. */
export interface StagedPinFile {
  path: string;
  tmp: string;
}

/** Writes the pin file unless the one there is already newer; pins racing each other leave the newest. */
export async function exportPinFile(dir: string, pin: PinRecord): Promise<string> {
  return commitPinFile(await stagePinFile(dir, pin), pin);
}

/**
 * The first half of exportPinFile, done before the pin is recorded in the
 * store: a pins folder that is read-only or full fails here, while there is
 * still nothing to undo.
 */
export async function stagePinFile(dir: string, pin: PinRecord): Promise<StagedPinFile> {
  const path = pinFilePath(dir, pin.service, pin.env);
  await removeDeadWritersFiles(dirname(path));
  return { path, tmp: await stageFile(path, `${JSON.stringify(toPinFile(pin), null, 2)}\n`) };
}

/** The second half: the staged file goes into place unless the pin file there is already newer. */
export async function commitPinFile(staged: StagedPinFile, pin: PinRecord): Promise<string> {
  const lock = `${staged.path}.lock`;
  try {
    await acquire(lock);
  } catch (error) {
    await discardPinFile(staged);
    throw error;
  }
  try {
    const existing = await readPinFile(staged.path).catch(() => undefined);
    if (!existing || existing.sequence < pin.sequence) await renameIntoPlace(staged.tmp, staged.path);
    else await discardPinFile(staged);
  } finally {
    await rm(lock, { recursive: true, force: true }).catch(() => undefined);
  }
  await followLegacyPinFile(dirname(staged.path), pin);
  return staged.path;
}

/**
 * The file an older bunseal wrote for this pair, under the old name, follows the newest pin
 * too, so deploy tooling that reads it is not left on an old pin; only when its content says
 * it is this pair's (the old name may be another pair's, the collision the new name ends).
 */
async function followLegacyPinFile(dir: string, pin: PinRecord): Promise<void> {
  const path = join(dir, legacyPinFileName(pin.service, pin.env));
  if (!(await Bun.file(path).exists())) return;
  const lock = `${path}.lock`;
  await acquire(lock);
  try {
    const existing = await readPinFile(path).catch(() => undefined);
    if (!existing || existing.service !== pin.service || existing.env !== pin.env || existing.sequence >= pin.sequence) return;
    await renameIntoPlace(await stageFile(path, `${JSON.stringify(toPinFile(pin), null, 2)}\n`), path);
  } finally {
    await rm(lock, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** `.<pin file>.<pid>.<8 hex>.tmp` (src/util/atomic-write.ts stageFile) and `.bunseal-probe.<pid>.<8 hex>` (ensureWritableDir). */
const WRITER_FILE = /^\.(?:[^/]+\.json\.(\d+)\.[0-9a-f]{8}\.tmp|bunseal-probe\.(\d+)\.[0-9a-f]{8})$/;

/**
 * Temporary files of pin writers that died before renaming or removing them (`kill -9`
 * mid-pin): without this they stay forever. A writer is dead when no process has the pid
 * written in its file's name (kill(pid, 0) says ESRCH); EPERM is a live process of another
 * user, and a pid reused since is taken for alive: both keep the file, the safe side.
 * Pids are this machine's, in this pid namespace: a pins folder shared with writers on
 * other machines or in other containers would see theirs as dead, as the lock (acquire) would.
 */
export async function removeDeadWritersFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const match = WRITER_FILE.exec(name);
    const pid = Number(match?.[1] ?? match?.[2]);
    if (!match || pid === process.pid || alive(pid)) continue;
    await rm(join(dir, name), { force: true }).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

export async function discardPinFile(staged: StagedPinFile): Promise<void> {
  await rm(staged.tmp, { force: true }).catch(() => undefined);
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
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw await ioError(lock, error, "lock the pin file with");
      if (await abandoned(lock)) await rm(lock, { recursive: true, force: true });
      if (Date.now() - started > LOCK_STALE_MS) throw new BunsealError("IO_FAILED", `${lock} stayed locked; expected the other pin to finish`, { file: lock });
      await Bun.sleep(2 + Math.random() * 10);
      continue;
    }
    try {
      await writeFile(join(lock, "owner"), String(process.pid));
      return;
    } catch (error) {
      // the lock is ours: it goes, or it would hold up every later pin
      await rm(lock, { recursive: true, force: true }).catch(() => undefined);
      throw await ioError(lock, error, "lock the pin file with");
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
