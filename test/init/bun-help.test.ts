/**
 * The translator against the installed Bun: every flag it claims to handle is
 * one `bun build` takes (listed by `bun build --help`, or by `bun --help` for
 * the flags every command shares), with the same arity and short alias; every
 * flag `bun build --help` lists is in the table; and the defaults written for
 * absent flags are the ones the help states. A Bun upgrade that changes a flag
 * fails here rather than yielding a silently wrong config.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { BUN_BUILD_FLAGS } from "../../src/init/bun-build-flags.ts";
import { CLI_NAMING } from "../../src/init/translate-command.ts";

interface HelpFlag {
  short?: string;
  value: boolean;
  text: string;
}

function parseHelp(text: string): Map<string, HelpFlag> {
  const flags = new Map<string, HelpFlag>();
  for (const match of text.matchAll(/^\s+(?:-(\w), )?--([a-z0-9.-]+)(=<val>)?\s+(.*)$/gm)) {
    flags.set(match[2]!, { short: match[1], value: match[3] !== undefined, text: match[4]! });
  }
  return flags;
}

async function help(args: string[]): Promise<string> {
  const proc = Bun.spawn([process.execPath, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const [out] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return out;
}

let build: Map<string, HelpFlag>;
let shared: Map<string, HelpFlag>;
beforeAll(async () => {
  build = parseHelp(await help(["build", "--help"]));
  shared = parseHelp(await help(["--help"]));
});

describe("the flag table matches the installed bun build", () => {
  test("every flag the translator handles is listed by the installed Bun, with its arity and alias", () => {
    expect(build.size).toBeGreaterThan(40);
    const problems: string[] = [];
    for (const spec of BUN_BUILD_FLAGS) {
      const listed = (spec.help === "build" ? build : shared).get(spec.name);
      if (!listed) problems.push(`--${spec.name}: not in bun ${spec.help === "build" ? "build " : ""}--help`);
      else {
        if (listed.value !== (spec.arity !== "none")) problems.push(`--${spec.name}: help says ${listed.value ? "takes" : "takes no"} value, table says ${spec.arity}`);
        if (listed.short !== spec.short) problems.push(`--${spec.name}: help's short alias ${listed.short ?? "none"}, table's ${spec.short ?? "none"}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("every flag bun build --help lists is in the table (translated or with a reason)", () => {
    const names = new Set(BUN_BUILD_FLAGS.map((f) => f.name));
    expect([...build.keys()].filter((name) => !names.has(name))).toEqual([]);
  });

  test("every entry either translates (a Bun.build option) or says why not", () => {
    for (const spec of BUN_BUILD_FLAGS) expect(Boolean(spec.apply) !== Boolean(spec.reason)).toBe(true);
  });

  test("the defaults written for absent flags are the ones bun build --help states", () => {
    expect(build.get("entry-naming")!.text).toContain(`Defaults to "${CLI_NAMING.entry}"`);
    expect(build.get("chunk-naming")!.text).toContain(`Defaults to "${CLI_NAMING.chunk}"`);
    expect(build.get("asset-naming")!.text).toContain(`Defaults to "${CLI_NAMING.asset}"`);
    expect(build.get("format")!.text).toContain('Defaults to "esm", or "cjs" with --bytecode');
    expect(build.get("packages")!.text).toContain('Defaults to "bundle"');
    expect(build.get("env")!.text).toContain("Defaults to 'disable'");
  });
});
