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
 */
import { mkdtempSync, writeFileSync } from "node:fs";
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
