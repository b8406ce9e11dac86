/** Both store backends, for suites that must behave the same on each: a fresh store per call. */
import { join } from "node:path";
import { postgresUrl } from "./postgres.ts";

export const STORE_BACKENDS: [name: string, makeStore: (dir: string) => Promise<string>][] = [
  ["sqlite", async (dir) => `sqlite:${join(dir, "store.db")}`],
  ["postgres", async () => postgresUrl()],
];
