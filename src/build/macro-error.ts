/**
 * A macro that throws synchronously reaches Bun.build's logs only as "cannot
 * coerce Exception (JSType(0)) to Bun's AST" at the call site: Bun treats the
 * exception as the macro's return value, and neither `throw: true` (an
 * AggregateError with the same message) nor Error.prepareStackTrace nor a
 * runtime plugin (macros are not loaded through them) sees the real error.
 * `bun build` prints no more for a synchronous throw. So the worker calls the
 * failing macro once more, with the arguments written at the call site, and
 * reports what it throws and where. It runs in the same sandbox as the build;
 * the macro ran there already.
 *
 * A macro module the sandbox hides (git ignores it, so it is masked like any
 * ignored file) fails as opaquely: an ignored file, masked by /dev/null, as
 * `"MacroLoadError" error in macro` at the call; an ignored folder, masked by
 * an empty tmpfs, as `Macro "…" not found`. The masks are what tells: no git
 * work tree holds a character device, and a tmpfs mounted below the project's
 * own mount is one laid over it. Such a failure names the module, why it is
 * hidden and the fix.
 */
import { lstatSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";

const OPAQUE = /cannot coerce Exception|macro threw exception/;

interface LogLike {
  message?: string;
  position?: { file?: string; line?: number; column?: number; offset?: number } | null;
}

/** The real error behind an opaque macro failure, as `file:line:col: Name: message (thrown at file:line:col)`; undefined when it cannot be found. */
export async function explainMacroFailure(log: unknown, projectDir: string): Promise<string | undefined> {
  const entry = log as LogLike;
  const position = entry.position;
  const hidden = explainHiddenMacro(entry, projectDir);
  if (hidden) return hidden;
  if (!entry.message || !OPAQUE.test(entry.message) || !position?.file || position.offset === undefined) return undefined;
  try {
    const callerPath = isAbsolute(position.file) ? position.file : resolve(projectDir, position.file);
    const source = await Bun.file(callerPath).text();
    const call = callAt(source, position.offset);
    if (!call) return undefined;
    const imported = macroImports(source).get(call.callee.split(".")[0]!);
    if (!imported) return undefined;
    const modulePath = imported.module.startsWith(".") ? resolve(callerPath, "..", imported.module) : imported.module;
    const binding = call.callee.includes(".") ? call.callee : imported.name;
    const probe = join(mkdtempSync(join(tmpdir(), "bunseal-macro-")), "probe.ts");
    const importLine = call.callee.includes(".") ? `import * as ${call.callee.split(".")[0]} from ${JSON.stringify(modulePath)};` : `import { ${imported.name} as __macro } from ${JSON.stringify(modulePath)};`;
    writeFileSync(probe, `${importLine}\nexport default () => ${call.callee.includes(".") ? binding : "__macro"}(${call.args});\n`);
    try {
      await (await import(probe)).default();
    } catch (error) {
      const where = `${relativeTo(projectDir, callerPath)}:${position.line ?? 0}:${position.column ?? 0}`;
      const thrown = error instanceof Error ? `${error.name}: ${error.message}` : `threw ${String(error)}`;
      const at = thrownAt(error, projectDir, probe);
      return `${where}: macro ${call.callee}() threw ${thrown}${at ? ` (at ${at})` : ""}`;
    }
  } catch {
    // an explanation is a courtesy: Bun's own message still stands
  }
  return undefined;
}

const LOAD_FAILED = /^"MacroLoadError" error in macro$/;
const MODULE_EXTENSIONS = [".tsx", ".ts", ".jsx", ".js", ".mjs", ".mts", ".cjs", ".cts"];
const NOT_FOUND = /^Macro "([^"]+)" not found$/;

/** A macro module Bun could not load because the sandbox masks it, as `file:line:col: Bun's message: why and the fix`. */
function explainHiddenMacro(entry: LogLike, projectDir: string): string | undefined {
  const position = entry.position;
  if (!entry.message || !position?.file) return undefined;
  try {
    const callerPath = isAbsolute(position.file) ? position.file : resolve(projectDir, position.file);
    let specifier = NOT_FOUND.exec(entry.message)?.[1];
    if (specifier === undefined && LOAD_FAILED.test(entry.message) && position.offset !== undefined) {
      const source = readFileSync(callerPath, "utf8");
      const call = callAt(source, position.offset);
      specifier = call && macroImports(source).get(call.callee.split(".")[0]!)?.module;
    }
    // a package's macro is installed, never masked; only a path can lead into a masked file or folder
    if (!specifier || !(specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/"))) return undefined;
    const modulePath = maskedModule(resolve(callerPath, "..", specifier), projectDir);
    if (!modulePath) return undefined;
    const where = `${relativeTo(projectDir, callerPath)}:${position.line ?? 0}:${position.column ?? 0}`;
    return `${where}: ${entry.message}: macro module ${relativeTo(projectDir, modulePath)} ${HIDDEN_WHY}`;
  } catch {
    return undefined;
  }
}

/**
 * The module's path when it lies under one of the sandbox's masks (a /dev/null over a file, or a tmpfs
 * over a folder below the project's mount); undefined when it is there or simply missing.
 */
function maskedModule(path: string, projectDir: string): string | undefined {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (stat) return stat.isCharacterDevice() ? path : undefined;
  // written without its extension, the module is the first file Bun's resolver would try
  for (const ext of MODULE_EXTENSIONS) {
    const found = lstatSync(`${path}${ext}`, { throwIfNoEntry: false });
    if (found) return found.isCharacterDevice() ? `${path}${ext}` : undefined;
  }
  const mounts = readMounts();
  const around = (p: string) => mounts.filter((m) => isWithin(m.point, p)).at(-1);
  const mine = around(projectDir);
  const its = around(path);
  return its !== undefined && mine !== undefined && its !== mine && its.type === "tmpfs" && isWithin(mine.point, its.point) ? path : undefined;
}

/** The mounts this process sees, in mount order (a later one over an earlier one at the same place), longest place last among those containing a path. */
function readMounts(): { point: string; type: string }[] {
  const mounts: { point: string; type: string }[] = [];
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    if (fields.length < 5 || dash < 0) continue;
    // mountinfo escapes space, tab, newline and backslash in octal
    mounts.push({ point: fields[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), type: fields[dash + 1] ?? "" });
  }
  return mounts.sort((a, b) => a.point.length - b.point.length);
}

function isWithin(dir: string, path: string): boolean {
  return path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`);
}

function relativeTo(projectDir: string, path: string): string {
  const rel = relative(projectDir, path);
  return rel.startsWith("..") ? path : rel;
}

/** The first stack frame that is not the probe: where the macro threw. */
function thrownAt(error: unknown, projectDir: string, probe: string): string | undefined {
  const stack = (error as { stack?: unknown })?.stack;
  if (typeof stack !== "string") return undefined;
  for (const match of stack.matchAll(/(\/[^\s():]+):(\d+):(\d+)/g)) {
    if (match[1] === probe) continue;
    return `${relativeTo(projectDir, match[1]!)}:${match[2]}:${match[3]}`;
  }
  return undefined;
}

/** `import { a, b as c } from "./m.ts" with { type: "macro" }`: local name → exported name and module. */
function macroImports(source: string): Map<string, { name: string; module: string }> {
  const found = new Map<string, { name: string; module: string }>();
  const named = /import\s*\{([^}]*)\}\s*from\s*(["'])([^"']+)\2\s*(?:with|assert)\s*\{\s*type\s*:\s*(["'])macro\4\s*\}/g;
  for (const m of source.matchAll(named)) {
    for (const part of m[1]!.split(",")) {
      const [name, local] = part.trim().split(/\s+as\s+/);
      if (name) found.set((local ?? name).trim(), { name: name.trim(), module: m[3]! });
    }
  }
  const namespace = /import\s*\*\s*as\s+([A-Za-z_$][\w$]*)\s*from\s*(["'])([^"']+)\2\s*(?:with|assert)\s*\{\s*type\s*:\s*(["'])macro\4\s*\}/g;
  for (const m of source.matchAll(namespace)) found.set(m[1]!, { name: "*", module: m[3]! });
  return found;
}

/** The call starting at `offset`: its callee (`f` or `ns.f`) and the text of its arguments. */
function callAt(source: string, offset: number): { callee: string; args: string } | undefined {
  const head = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?)\s*\(/.exec(source.slice(offset));
  if (!head) return undefined;
  let depth = 1;
  let quote: string | undefined;
  const start = offset + head[0].length;
  for (let i = start; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) return { callee: head[1]!, args: source.slice(start, i) };
    }
  }
  return undefined;
}

const NOT_FOUND_AT = /(\S+):(\d+):(\d+): Macro "((?:\.\.?\/|\/)[^"]+)" not found$/;

/**
 * Bun's failure lines, each `Macro "./x" not found` whose module git ignores
 * named so, with the fix: in the build's writable layer an ignored file is
 * removed, not masked, so from inside the sandbox it is no different from a
 * module that does not exist. Told apart here, outside it, by bunseal, which
 * knows what it hid (absolute paths, `hidden`) and sees the disk.
 */
export function nameHiddenMacros(lines: readonly string[], projectDir: string, hidden: readonly string[]): string[] {
  return lines.map((line) => {
    const match = NOT_FOUND_AT.exec(line);
    if (!match || line.includes("is hidden from the build")) return line;
    const caller = isAbsolute(match[1]!) ? match[1]! : resolve(projectDir, match[1]!);
    const base = resolve(caller, "..", match[4]!);
    const module = ["", ...MODULE_EXTENSIONS].map((ext) => `${base}${ext}`).find((path) => lstatSync(path, { throwIfNoEntry: false })?.isFile());
    if (!module || !hidden.some((dir) => isWithin(dir, module))) return line;
    return `${line}: macro module ${relativeTo(projectDir, module)} ${HIDDEN_WHY}`;
  });
}

const HIDDEN_WHY = `is hidden from the build because git ignores it (the sandbox shows the build no ignored file); commit it, or, when it is generated before the build, make it in the config's "prebuild" or list it in "inputs.extra"`;
