/**
 * ci/github/inputs.ts (issue #20, items 1 and 15): the action's `args` split into words as bash
 * splits them, checked against bash itself (`set -f`, so nothing is globbed) on text that a
 * shell would not expand; what a shell would expand or run is refused. verify's `path` as
 * actions/attest-build-provenance's subject-path: paths or globs, one a line or comma-separated.
 */
import { describe, expect, test } from "bun:test";
import { shellWords, subjectPaths } from "../../ci/github/inputs.ts";
import { testdir } from "../helpers/testdir.ts";

/** The words bash makes of `text`, globbing off: the reference shellWords must agree with. */
async function bashWords(text: string): Promise<string[]> {
  // an array's words may span lines, as args' do; printf's would end at the first line
  const proc = Bun.spawn(["bash", "--noprofile", "--norc", "-c", `set -f; words=( ${text}
); printf '%s\\0' "\${words[@]}"`], { stdout: "pipe", stderr: "pipe" });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect(code).toBe(0);
  return out === "" ? [] : out.slice(0, -1).split("\0");
}

describe("shellWords agrees with bash", () => {
  const cases = [
    "--commit 0123abc --service web",
    "--commit 0123abc\n--service other\n--policy missing.json\n",
    "  --a\t\tb  \n\n  c  ",
    "--certificate-identity-regexp '^https://github.com/acme/service/\\.github/workflows/release\\.yml@refs/tags/v.*$'",
    "--certificate-identity-regexp ^https://github.com/acme/.*@refs/heads/main$",
    `--name "two words" 'single "quoted"' "double 'quoted'" mixed"a b"'c d'e`,
    `--escaped \\"x\\" a\\ b "back\\\\slash" "\\$literal" "tab\\t"`,
    "--joined a\\\nb --next",
    "--empty '' \"\" --after",
    "--glob dist/*.tar --regexp v[0-9]+ --tilde a~b",
    "--hash a#b # a comment\n--after-comment # another\n",
    "--dollar-at-end price$ $",
  ];
  for (const text of cases) {
    test(JSON.stringify(text), async () => {
      expect(shellWords(text)).toEqual(await bashWords(text));
    });
  }
});

describe("shellWords refuses what a shell would expand or run", () => {
  for (const [text, message] of [
    ["--service $(touch /tmp/x)", "$ would be expanded by a shell at character 11"],
    ["--service `id`", "` would be expanded by a shell at character 11"],
    ["--commit $GITHUB_SHA", "$ would be expanded by a shell at character 10"],
    ['--commit "${GITHUB_SHA}"', '$ inside "…" would be expanded by a shell at character 11'],
    ["--service x; rm -rf /", "; is a shell operator at character 12"],
    ["--service x | tee y", "| is a shell operator at character 13"],
    ["--service x > y", "> is a shell operator at character 13"],
    ["--service 'open", "a ' at character 11 is never closed"],
    ['--service "open', 'a " at character 11 is never closed'],
    ["--service x\\", "args ends in a \\ that quotes nothing"],
    ["--out ~/x", "~ would be expanded by a shell at character 7"],
    ["--regexp ^v[0-9]{1,3}$", "{ would be expanded by a shell at character 17"],
    ["--files {a..c}", "{ would be expanded by a shell at character 9"],
  ] as const) {
    test(JSON.stringify(text), () => {
      expect(() => shellWords(text)).toThrow(message);
    });
  }

  test("quoted with '…', the same characters are plain text", () => {
    expect(shellWords("--service '$(touch /tmp/x); `id` | y' '~/x' '^v[0-9]{1,3}$'")).toEqual(["--service", "$(touch /tmp/x); `id` | y", "~/x", "^v[0-9]{1,3}$"]);
  });
});

describe("subjectPaths: verify's path as subject-path", () => {
  test("globs and lists, each match once, a bundle or SBOM going with its artifact", async () => {
    await using dir = await testdir({
      "dist/web.tar": "w",
      "dist/web.tar.sigstore.json": "{}",
      "dist/web.tar.cdx.json": "{}",
      "dist/web.tar.cdx.sigstore.json": "{}",
      "dist/api.tar": "a",
      "dist/api.tar.sigstore.json": "{}",
      "other/one.tgz": "o",
    });
    expect(subjectPaths("dist/*", dir.path)).toEqual(["dist/api.tar", "dist/web.tar"]);
    expect(subjectPaths("dist/web.tar\nother/*.tgz, dist/*.tar", dir.path)).toEqual(["dist/web.tar", "other/one.tgz", "dist/api.tar"]);
    // a plain path is passed on as it is: verify says what is wrong with it
    expect(subjectPaths("dist/none.tar", dir.path)).toEqual(["dist/none.tar"]);
  });

  test("a glob that matches nothing, or an empty list, fails the step", async () => {
    await using dir = await testdir({ "dist/web.tar": "w" });
    expect(() => subjectPaths("build/*.tar", dir.path)).toThrow(`path "build/*.tar" matches no file (in ${dir.path}); expected at least one artifact`);
    expect(() => subjectPaths(" \n , ", dir.path)).toThrow("path names no artifact; expected a path or a glob");
  });
});
