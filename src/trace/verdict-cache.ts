/**
 * What `trace` says of a record's bundle ("verifies", the failures, the
 * sandbox), kept by the digest of the record as read: the bundle and every
 * column the verdict checks it against. A file shared by thousands of
 * artifacts is traced again and again from the console; each bundle is
 * verified once per distinct content, not once per request. A row changed in
 * the store is another digest, so it is verified afresh, never answered from
 * what its old content earned. Only verdicts under the signer the store
 * recorded are kept (that trust is in the record, hence in the digest).
 */
import { sha256Hex } from "../util/digest.ts";
import type { ArtifactRecord } from "../store/store.ts";

export interface CachedVerdict {
  verifies: boolean;
  verifyFailures: string[];
  sandbox: { kind: string; network: boolean | null; reads: string | null; reason?: string } | null;
}

/** A bound on memory: a verdict is well under a kilobyte. */
const DEFAULT_ENTRIES = 20_000;

export class VerdictCache {
  readonly #entries = new Map<string, CachedVerdict>();
  readonly #max: number;
  hits = 0;
  misses = 0;

  constructor(max = DEFAULT_ENTRIES) {
    this.#max = max;
  }

  /** the record's content digest: every field, in the order the store's reader builds them */
  static keyOf(record: ArtifactRecord): string {
    return sha256Hex(JSON.stringify(record));
  }

  get(key: string): CachedVerdict | undefined {
    const found = this.#entries.get(key);
    if (found === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // newest use last, so the oldest use is the first to go
    this.#entries.delete(key);
    this.#entries.set(key, found);
    return found;
  }

  set(key: string, verdict: CachedVerdict): void {
    this.#entries.delete(key);
    this.#entries.set(key, verdict);
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
  }

  get size(): number {
    return this.#entries.size;
  }
}
