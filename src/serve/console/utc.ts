/**
 * Times as the console shows them: UTC to the second, saying so. The reader's
 * local time to the minute, with no zone, put one responder's "14:05" beside
 * another's log line in UTC and a deploy tool's in its own zone.
 */
export function utcText(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
