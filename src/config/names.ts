/**
 * Service and environment names: one pattern for every place a name enters
 * (the config, `--env`/`--service` flags, statements imported or pinned).
 * A pin file's path is built from these names, so a name is also a path
 * segment: no '/', no leading '.', and short enough for a file name.
 */
import { BunsealError } from "../errors.ts";

/** A letter or digit, then letters, digits, '.', '_' or '-'; 100 characters at most. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const NAME_EXPECTED = "a name of letters, digits, '.', '_' or '-', starting with a letter or digit, at most 100 characters";

export function isValidName(value: unknown): value is string {
  return typeof value === "string" && NAME_PATTERN.test(value);
}

/**
 * `field` says where the name came from (`--env`, `service`), `file` the file it was read
 * from, so the user can find it; the value may be attacker-chosen (a signed statement), so
 * it is only ever quoted, never used.
 */
export function assertName(value: unknown, field: string, file?: string): string {
  if (isValidName(value)) return value;
  const found = typeof value === "string" ? JSON.stringify(value) : String(value);
  throw new BunsealError("NAME_INVALID", `${file ? `${file}: ` : ""}${field}: expected ${NAME_EXPECTED} (${NAME_PATTERN.source}), got ${found}`, {
    file,
    field,
    expected: NAME_PATTERN.source,
    found,
  });
}
