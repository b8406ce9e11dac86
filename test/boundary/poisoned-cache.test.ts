/**
 * Nothing outside the build's own reading of a file may vouch for its digest.
 * A project's install script runs as the same user before `bunseal build`
 * (CI runs `bun install` first): it can change an installed module and leave a
 * cache entry, in any folder that user can write, claiming the old digest for
 * the file's new stat. An input digest cache (stat → sha256, tried in this
 * round to save 25–40 ms) would believe it, and the record would name bytes
 * that were not built. So bunseal keeps no such cache: every input is read.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

let repo: GitRepo;
let home: TestDir;
const ORIGINAL = "export const greet = () => 'hello';\n";
const TAMPERED = "export const greet = () => 'owned';\n";

beforeAll(async () => {
  [repo, home] = await Promise.all([
    gitRepo({
      ".gitignore": ".bunseal/\nnode_modules/\n",
      "package.json": JSON.stringify({ name: "poisoned", private: true }),
      "bunseal.json": JSON.stringify({ service: "poisoned", entrypoints: ["src/index.ts"] }),
      "src/index.ts": "import { greet } from 'greeter';\nconsole.log(greet());\n",
    }),
    makeTempDir("bunseal-poisoned-home-"),
  ]);
  mkdirSync(join(repo.path, "node_modules", "greeter"), { recursive: true });
  writeFileSync(join(repo.path, "node_modules", "greeter", "package.json"), JSON.stringify({ name: "greeter", version: "1.0.0", main: "index.js" }));
  writeFileSync(join(repo.path, "node_modules", "greeter", "index.js"), ORIGINAL);
});
afterAll(async () => {
  await Promise.all([repo?.cleanup(), home?.cleanup()]);
});

test("a digest planted in the user's cache folders for a tampered module is not believed", async () => {
  const env = { HOME: home.path, XDG_CACHE_HOME: join(home.path, ".cache") };
  const honest = (await runCli(["build", repo.path, "--no-sign", "--out", join(home.path, "first"), "--json"], { env })).json();
  const module = "node_modules/greeter/index.js";
  // --no-sign writes the bare statement beside the artifact
  const recorded = (built: { statement: { path: string } }) => JSON.parse(readFileSync(built.statement.path, "utf8"));
  const digestOf = (statement: any) => statement.predicate.buildDefinition.resolvedDependencies.find((d: any) => d.name === module).digest.sha256;
  const originalDigest = digestOf(recorded(honest));

  // the install script: same size, new bytes, then a cache entry for the new stat with the old digest,
  // in every place a cache could be looked for
  writeFileSync(join(repo.path, module), TAMPERED);
  const st = statSync(join(repo.path, module), { bigint: true });
  for (const dir of [join(home.path, ".cache", "bunseal"), join(home.path, ".bunseal")]) {
    mkdirSync(dir, { recursive: true });
    const db = new Database(join(dir, "digests-v1.sqlite"), { create: true });
    db.exec("CREATE TABLE IF NOT EXISTS digests (path TEXT PRIMARY KEY, stat TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL) WITHOUT ROWID");
    db.query("INSERT OR REPLACE INTO digests VALUES (?, ?, ?, ?)").run(join(repo.path, module), `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`, originalDigest, ORIGINAL.length);
    db.close();
  }
  // old enough that no "changed a moment ago" rule would save the day
  await Bun.sleep(2100);
  const second = (await runCli(["build", repo.path, "--no-sign", "--out", join(home.path, "second"), "--json"], { env })).json();
  expect(digestOf(recorded(second))).toBe(new Bun.CryptoHasher("sha256").update(TAMPERED).digest("hex"));
  expect(digestOf(recorded(second))).not.toBe(originalDigest);
}, 60_000);
