/**
 * The translated options, cut to what bunseal.json's build accepts today. The
 * schema is asked, option by option, rather than listed here, so an option the
 * schema learns later is written without a change to this file; one it does not
 * accept is reported against the flags that set it, never written (a config
 * bunseal itself would refuse is worse than none).
 */
import type { z } from "zod";
import { BuildOptionsSchema } from "../config/schema.ts";
import { describeIssues } from "../util/schema-issues.ts";
import { CLI_DEFAULTS } from "./translate-command.ts";
import { tokensOf, type Translation } from "./translation.ts";

export interface FittedBuild {
  build: Record<string, unknown>;
  untranslated: { token: string; reason: string }[];
}

/** Options bunseal adds that no flag sets, written explicit with their meaning in `bun build`. */
const BUNSEAL_EXPLICIT: Readonly<Record<string, unknown>> = {
  // `bun build` runs with the machine's network; bunseal's default is none, and the script never needed it to bundle
  network: false,
};

export function fitBuildOptions(t: Translation): FittedBuild {
  const shape = BuildOptionsSchema.shape as Record<string, z.ZodType>;
  const build: Record<string, unknown> = {};
  const out: FittedBuild["untranslated"] = [];
  const report = (key: string, reason: string) => {
    for (const token of tokensOf(t, key)) out.push({ token, reason });
  };
  const options = { ...t.options, ...BUNSEAL_EXPLICIT };
  const order = [...new Set([...Object.keys(CLI_DEFAULTS), ...Object.keys(BUNSEAL_EXPLICIT), ...Object.keys(t.options)])];
  for (const key of order) {
    const value = options[key];
    if (value === undefined) continue;
    const schema = shape[key];
    if (!schema) {
      // left at the CLI's default, the option changes nothing, so a config without it builds the same
      report(key, `bunseal.json has no build.${key} yet (Bun.build's ${key}); the artifact would be built without it`);
      continue;
    }
    const fitted = fitValue(schema, key, value, t);
    if (fitted.ok) {
      build[key] = fitted.value;
      for (const part of fitted.dropped) report(`${key}.${part}`, `bunseal.json's build.${key} has no ${part} yet; the artifact would be built without it`);
    } else report(key, `bunseal.json's build.${key} does not accept ${JSON.stringify(value)}: ${fitted.why}`);
  }
  return { build, untranslated: out };
}

type Fit = { ok: true; value: unknown; dropped: string[] } | { ok: false; why: string };

/**
 * The value if the schema takes it; for an object (minify, compile, jsx), the
 * parts the schema takes on their own, so `--minify --keep-names` still
 * minifies when only keepNames is unknown.
 */
function fitValue(schema: z.ZodType, key: string, value: unknown, t: Translation): Fit {
  const whole = schema.safeParse(value);
  if (whole.success) return { ok: true, value, dropped: [] };
  const why = describeIssues(whole.error.issues).map((p) => `expected ${p.expected}`).join("; ");
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, why };
  const kept: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [part, v] of Object.entries(value)) {
    // a part no flag set (minify's explicit false) is dropped silently when the schema lacks it
    if (schema.safeParse({ [part]: v }).success) kept[part] = v;
    else if (tokensOf(t, `${key}.${part}`).length > 0) dropped.push(part);
  }
  const candidate = Object.keys(kept).length === 0 && key === "compile" ? true : kept;
  return schema.safeParse(candidate).success && dropped.length > 0 ? { ok: true, value: candidate, dropped } : { ok: false, why };
}
