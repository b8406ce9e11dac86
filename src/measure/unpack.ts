/**
 * An artifact unpacked for a run: its files written out of the tar by
 * bunseal's own strict reader (src/artifact/tar-read.ts: no link, device,
 * absolute path or `..` gets through), then made read-only (files 0444, or
 * 0555 when the tar marks them executable; folders 0555), so that nothing the
 * run does changes what a later run starts from. The sandbox shows it
 * read-only besides. It lives in the machine's temporary folder, not the
 * memory file system scratch-dir.ts prefers: that is often mounted noexec,
 * where a compiled executable would not start.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { readTarEntries } from "../artifact/tar-read.ts";
import { registerScratch, registerStopper, unregisterScratch } from "../util/scratch-registry.ts";

export interface UnpackedArtifact {
  /** the folder holding the artifact's files (read-only) */
  dir: string;
  /** the tar's size on disk */
  bytes: number;
  dispose(): Promise<void>;
}

export async function unpackArtifact(tarPath: string): Promise<UnpackedArtifact> {
  const entries = await readTarEntries(tarPath);
  const bytes = statSync(tarPath).size;
  const scratch = mkdtempSync(join(process.env.BUNSEAL_TMPDIR ?? tmpdir(), "bunseal-run-"));
  registerScratch(scratch);
  // a read-only folder cannot be emptied by a user: an interrupt makes it writable again before the scratch goes
  const forget = registerStopper(() => makeWritable(scratch));
  const dir = join(scratch, "artifact");
  try {
    mkdirSync(dir);
    for (const { info, data } of entries) {
      const target = join(dir, info.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, data, { mode: 0o600 });
      chmodSync(target, (info.mode & 0o111) !== 0 ? 0o555 : 0o444);
    }
    makeReadOnly(dir);
  } catch (cause) {
    makeWritable(scratch);
    rmSync(scratch, { recursive: true, force: true });
    unregisterScratch(scratch);
    forget();
    throw cause;
  }
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    makeWritable(scratch);
    rmSync(scratch, { recursive: true, force: true });
    unregisterScratch(scratch);
    forget();
  };
  return { dir, bytes, dispose };
}

/** Every folder 0555: what the run sees is what the tar holds, whatever uid it runs as. */
function makeReadOnly(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) makeReadOnly(join(dir, entry.name));
  chmodSync(dir, 0o555);
}

function makeWritable(dir: string): void {
  try {
    chmodSync(dir, 0o700);
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) makeWritable(join(dir, entry.name));
  } catch {
    // gone already
  }
}
