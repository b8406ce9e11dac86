/** Rendering helpers shared by the commands: JSON for machines, short lines for people. */
import { writeOut } from "./streams.ts";

export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes("--json");
}

export function printJson(value: unknown): void {
  writeOut(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLines(lines: readonly string[]): void {
  writeOut(`${lines.join("\n")}\n`);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

/** Commander collects a repeatable option into an array with this. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
