/**
 * The build options that have a differential test but no project of their own
 * (issue #9 item 8), all in one project: it must build, verify, rebuild to the
 * same bytes and pass `check` with no false alarm, so none of these options
 * brings nondeterminism that bunseal would then sign.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { readTarFiles } from "../../src/artifact/tar-read.ts";
import { runCli } from "../helpers/cli.ts";
import { gitRepo, type GitRepo } from "../helpers/git.ts";
import { makeTempDir, type TestDir } from "../helpers/testdir.ts";

setDefaultTimeout(180_000);

const ENV = { APP_MODE: "release" };
let keys: TestDir;
let repo: GitRepo;

beforeAll(async () => {
  keys = await makeTempDir("bunseal-options-keys-");
  expect((await runCli(["keygen", "--out", keys.path])).exitCode).toBe(0);
  repo = await gitRepo({
    ".gitignore": ".bunseal/\n",
    "package.json": JSON.stringify({ name: "many-options", private: true }),
    "bunseal.json": JSON.stringify({
      service: "many-options",
      entrypoints: ["src/pages/*.tsx"],
      env: ["APP_MODE"],
      build: {
        target: "bun",
        format: "cjs",
        bytecode: true,
        root: "src",
        publicPath: "https://cdn.example/",
        banner: "/* many-options */",
        footer: "/* end */",
        drop: ["debugger"],
        loader: { ".data": "text" },
        jsx: { runtime: "classic", factory: "h", fragment: "Frag" },
        env: "inline",
        conditions: ["custom"],
      },
    }),
    "src/h.ts": "export const h = (tag: unknown, props: unknown, ...children: unknown[]) => ({ tag, props, children });\nexport const Frag = 'frag';\n",
    "src/pages/about.tsx": 'import { h, Frag } from "../h.ts";\nimport note from "../note.data";\ndebugger;\nexport const page = <><p>{note}</p><i>{process.env.APP_MODE}</i></>;\nconsole.log(page);\n',
    "src/pages/home.tsx": 'import { h, Frag } from "../h.ts";\nimport logo from "../logo.svg";\nexport const page = <><img src={logo} /></>;\nconsole.log(page);\n',
    "src/note.data": "a note loaded as text\n",
    "src/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
  });
});
afterAll(async () => {
  await Promise.all([keys?.cleanup(), repo?.cleanup()]);
});

test("globs, root, publicPath, banner, footer, drop, loader, jsx, env inline, conditions and bytecode: built, verified, rebuilt to the same bytes, no false alarm", async () => {
  const built = await runCli(["build", repo.path, "--key", join(keys.path, "bunseal.key"), "--json"], { env: ENV });
  if (built.exitCode !== 0) throw new Error(built.stderr);
  const result = built.json();
  const files = await readTarFiles(result.artifact.path);
  const about = new TextDecoder().decode(files.get("pages/about.js"));
  // the options took effect: the glob's pages under root, the banner, text loader, jsx factory, inlined value, no debugger
  expect([...files.keys()].filter((p) => p.startsWith("pages/")).sort()).toEqual(expect.arrayContaining(["pages/about.js", "pages/home.js"]));
  expect(about).toContain("/* many-options */");
  expect(about).toContain("a note loaded as text");
  expect(about).toContain("release");
  expect(about).not.toContain("debugger");
  expect([...files.keys()].some((p) => p.endsWith(".jsc"))).toBe(true);
  expect(new TextDecoder().decode(files.get("pages/home.js"))).toContain("https://cdn.example/");

  const verified = await runCli(["verify", result.artifact.path, "--key", join(keys.path, "bunseal.pub"), "--json"]);
  expect(verified.exitCode).toBe(0);
  const rebuilt = await runCli(["rebuild", result.bundle.path, "--key", join(keys.path, "bunseal.pub"), "--json"], { env: ENV });
  expect(rebuilt.exitCode).toBe(0);
  expect(rebuilt.json().reproducible).toBe(true);
  const checked = await runCli(["check", repo.path, "--json"], { env: ENV });
  expect(checked.json().culprits).toEqual([]);
  expect(checked.exitCode).toBe(0);
});
