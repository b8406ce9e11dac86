/**
 * What a `bun build` command line says, in Bun.build's own option names, with
 * the tokens that said it: so an option the config cannot hold is reported
 * against the flag the user wrote, not against a key they never saw.
 */

export interface Untranslated {
  /** the package.json script the token is in */
  script: string;
  /** the token as written (`--watch`, `--outdir=dist`, `NODE_ENV=production`, or a whole command) */
  token: string;
  reason: string;
}

export interface Translation {
  /** Bun.build options (bun-types `BuildConfig` names), every one explicit */
  options: Record<string, unknown>;
  /** option key, or `key.sub` for a part of one, → the tokens that set it; absent: the CLI's default */
  sources: Record<string, string[]>;
  entrypoints: string[];
  untranslated: { token: string; reason: string }[];
}

export function emptyTranslation(): Translation {
  return { options: {}, sources: {}, entrypoints: [], untranslated: [] };
}

function blame(t: Translation, key: string, token: string): void {
  (t.sources[key] ??= []).push(token);
}

export function setOption(t: Translation, key: string, value: unknown, token: string): void {
  t.options[key] = value;
  blame(t, key, token);
}

export function addOption(t: Translation, key: string, values: readonly unknown[], token: string): void {
  t.options[key] = [...((t.options[key] as unknown[] | undefined) ?? []), ...values];
  blame(t, key, token);
}

/** One part of an object option (`minify.keepNames`, `compile.execArgv`, `define["process.env.X"]`). */
export function setPart(t: Translation, key: string, part: string, value: unknown, token: string): void {
  t.options[key] = { ...((t.options[key] as Record<string, unknown> | undefined) ?? {}), [part]: value };
  blame(t, key, token);
  blame(t, `${key}.${part}`, token);
}

export function untranslated(t: Translation, token: string, reason: string): void {
  t.untranslated.push({ token, reason });
}

/** Every token that set `key` or a part of it. */
export function tokensOf(t: Translation, key: string): string[] {
  return [...new Set(t.sources[key] ?? [])];
}
