/** What the store-backed commands share: where the store is, and who is acting. */
import type { Command } from "commander";
import { userInfo } from "node:os";

export function storeOption(command: Command): Command {
  return command.option("--store <spec>", "sqlite:PATH, a path, or postgres://…; default $BUNSEAL_STORE, else ~/.bunseal/store.db");
}

/** `existing`: for a command that only reads, a SQLite store that is not there is STORE_INVALID, never made empty */
export async function withStore<T>(spec: string | undefined, use: (store: import("../store/store.ts").Store) => Promise<T>, options: { existing?: boolean } = {}): Promise<T> {
  const { openStore } = await import("../store/open-store.ts");
  const store = await openStore(spec, process.env, options);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** Who pins: --actor, else the CI's notion of the user, else the login name. */
export function resolveActor(flag: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (flag) return flag;
  if (env.GITHUB_ACTOR) return `github:${env.GITHUB_ACTOR}`;
  if (env.GITLAB_USER_LOGIN) return `gitlab:${env.GITLAB_USER_LOGIN}`;
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? "unknown";
  }
}
