/**
 * A macro that reports what it could do from inside the build: its findings
 * are inlined into the output as base64 of JSON between markers, so a test
 * reads back exactly what the build saw. And a way to run the real CLI in a
 * private mount namespace, with files planted where only root could put them,
 * as root (`unshare -m`) and as a user (`unshare -Urm`) alike.
 */
import { cliCommand, runCommand, type CliResult } from "../helpers/cli.ts";
import { outputsOf } from "./hostile-repo.ts";

/** `src/index.ts` that prints what `probe()` in `src/macro.ts` returns */
export const PROBE_ENTRY = `import { probe } from "./macro.ts" with { type: "macro" };\nconsole.log(probe());\n`;

/** The body of `src/macro.ts`: `body` is a function body that fills `found` (an object) and may use `fs`, `os`, `ffi`. */
export function probeMacro(body: string): string {
  return [
    `import * as fs from "node:fs";`,
    `import * as os from "node:os";`,
    `import * as ffi from "bun:ffi";`,
    `export function probe(): string {`,
    `  const found: Record<string, unknown> = {};`,
    `  const attempt = (f: () => unknown) => { try { return f(); } catch (e) { return "error: " + (e as Error).message; } };`,
    `  const sha256 = (path: string) => attempt(() => new Bun.CryptoHasher("sha256").update(fs.readFileSync(path)).digest("hex"));`,
    `  void attempt; void sha256; void os; void ffi;`,
    body,
    `  return "PROBE:" + Buffer.from(JSON.stringify(found)).toString("base64") + ":PROBE";`,
    `}`,
    ``,
  ].join("\n");
}

/** What the macro found, read back from the artifact's index.js. */
export async function probed(artifactPath: string): Promise<Record<string, any>> {
  const index = (await outputsOf(artifactPath)).get("index.js") ?? "";
  const match = /PROBE:([A-Za-z0-9+/=]+):PROBE/.exec(index);
  if (!match) throw new Error(`no probe in the output:\n${index}`);
  return JSON.parse(Buffer.from(match[1]!, "base64").toString("utf8"));
}

/** libc calls by FFI, returning `errno` (0 on success): the macro's way to make a system call no tool on PATH makes. */
export const FFI_PRELUDE = `
  const libc = ffi.dlopen("libc.so.6", {
    name_to_handle_at: { args: ["i32", "ptr", "ptr", "ptr", "i32"], returns: "i32" },
    open_by_handle_at: { args: ["i32", "ptr", "i32"], returns: "i32" },
    mount: { args: ["ptr", "ptr", "ptr", "u64", "ptr"], returns: "i32" },
    umount2: { args: ["ptr", "i32"], returns: "i32" },
    unshare: { args: ["i32"], returns: "i32" },
    syscall: { args: ["i64", "i64", "i64", "i64", "i64", "i64"], returns: "i32" },
    __errno_location: { args: [], returns: "ptr" },
  }).symbols;
  const cstr = (s: string) => ffi.ptr(Buffer.from(s + "\\0"));
  const errno = (result: number) => (result === -1 ? ffi.read.i32(libc.__errno_location(), 0) : 0);
`;

export const EPERM = 1;
export const ENOSYS = 38;


/**
 * Runs `bunseal args` in a private mount namespace after `setup` (a shell
 * script run in that namespace first, as root there): as root a plain mount
 * namespace, so bunseal is still the machine's root; as a user, a user
 * namespace too, where bunseal is root only in name.
 */
export async function inMountNamespace(setup: string, args: string[], cwd: string): Promise<CliResult> {
  const unshare = process.getuid?.() === 0 ? ["unshare", "-m", "--propagation", "private"] : ["unshare", "-Urm", "--propagation", "private"];
  return runCommand([...unshare, "/bin/sh", "-c", `set -e\n${setup}\nexec "$@"`, "sh", ...cliCommand(args)], { cwd, label: `bunseal ${args.join(" ")} in a mount namespace` });
}
