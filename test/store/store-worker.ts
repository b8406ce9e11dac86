/**
 * A child process for the store's process tests (process-contract.ts).
 *
 *   bun store-worker.ts race  SPEC WORKER COUNT START   from time START (ms), put COUNT artifacts and pin each to race/prod, retrying on PIN_CONFLICT
 *   bun store-worker.ts churn SPEC RUN            put large artifacts and append pins forever, until killed
 *   bun store-worker.ts open  SPEC                open the store (migrating it if new) and close it
 *
 * Progress goes to fd 1 with writeSync, one line per event, so the parent
 * knows what was committed at the moment it sends SIGKILL.
 */
import { writeSync } from "node:fs";
import { isBunsealError } from "../../src/errors.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";
import { artifact, chainPin } from "./records.ts";

export const RACE_SERVICE = "race";
export const CHURN_SERVICE = "churn";
export const ENV = "prod";
/** a package every churn artifact locks, so the parent can list them all with findByPackage */
export const CHURN_MARKER = "churn-marker";

/** The churn artifact named `tag`: its size comes from its name, so a short write shows as a count mismatch. */
export function churnArtifact(tag: string) {
  const size = parseInt(tag.replace(/\D/g, "").slice(-3) || "0", 10);
  const record = artifact(tag, { files: 300 + (size % 7) * 100, packages: 100 + (size % 5) * 50 });
  record.packages.push({ name: CHURN_MARKER, version: "1.0.0", integrity: null, shipped: true });
  return record;
}

const say = (line: string) => writeSync(1, `${line}\n`);

async function race(store: Store, worker: string, count: number, startAt: number): Promise<void> {
  await Bun.sleep(Math.max(0, startAt - Date.now()));
  let conflicts = 0;
  for (let i = 0; i < count; i++) {
    const record = artifact(`race-${worker}-${i}`, { files: 20, packages: 50 });
    await store.putArtifact(record);
    // every worker puts this one too: concurrent puts of one digest must leave exactly one copy
    await store.putArtifact(artifact("race-shared", { files: 20, packages: 50 }));
    for (;;) {
      const newest = await store.latestPin(RACE_SERVICE, ENV);
      const sequence = (newest?.sequence ?? 0) + 1;
      // a real pin signs a statement between reading the history and appending: give others that window
      await Bun.sleep(Math.random() * 3);
      try {
        await store.appendPin({ ...chainPin(RACE_SERVICE, ENV, sequence), digest: record.digest, previousDigest: newest?.digest ?? null, rollbackOf: null });
        break;
      } catch (error) {
        if (!isBunsealError(error) || error.code !== "PIN_CONFLICT") throw error;
        conflicts++;
      }
    }
  }
  say(JSON.stringify({ conflicts }));
}

async function churn(store: Store, run: string): Promise<never> {
  say("ready");
  for (let n = 0; ; n++) {
    const tag = `churn-${run}-${n}`;
    say(`begin put ${tag}`);
    await store.putArtifact(churnArtifact(tag));
    say(`done put ${tag}`);
    const sequence = ((await store.latestPin(CHURN_SERVICE, ENV))?.sequence ?? 0) + 1;
    say(`begin pin ${sequence}`);
    await store.appendPin(chainPin(CHURN_SERVICE, ENV, sequence, 50_000));
    say(`done pin ${sequence}`);
  }
}

if (import.meta.main) {
  const [mode, spec, ...rest] = process.argv.slice(2);
  const store = await openStore(spec!);
  if (mode === "race") await race(store, rest[0]!, Number(rest[1]), Number(rest[2]));
  else if (mode === "churn") await churn(store, rest[0]!);
  else if (mode !== "open") throw new Error(`unknown mode ${mode}`);
  await store.close();
}
