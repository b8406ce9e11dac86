/**
 * The differing regions of a text file, and why one region differs: each
 * detector looks for a value that overlaps the differing characters (never one
 * that is merely nearby and the same on both sides) and quotes both values as
 * its evidence.
 */
import type { BuildFacts, CauseKind } from "./cause.ts";
import type { Region } from "./regions.ts";
import { isReordering } from "./text-diff.ts";

export interface Finding { kind: CauseKind; evidence: string }

type Pair = [string, string];

/** The differing characters of a region: the snippets minus what they share at each end. */
function core(r: Region): { p: number; endA: number; endB: number } {
  const [a, b] = [r.original, r.rebuilt];
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  return { p, endA: a.length - s, endB: b.length - s };
}

/** Matches of `re` that overlap the differing characters, paired in order (original, rebuilt). */
function pairs(r: Region, re: RegExp): Pair[] {
  const { p, endA, endB } = core(r);
  const hits = (text: string, end: number) => [...text.matchAll(re)].filter((m) => m.index < Math.max(end, p + 1) && m.index + m[0].length > p).map((m) => m[0]);
  const [a, b] = [hits(r.original, endA), hits(r.rebuilt, endB)];
  return a.slice(0, b.length).map((x, i): Pair => [x, b[i]!]).filter(([x, y]) => x !== y);
}

/** Whether `needle` occurs in `text` overlapping the characters [p, end). */
function containsAt(text: string, needle: string, p: number, end: number): boolean {
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) if (i < Math.max(end, p + 1) && i + needle.length > p) return true;
  return false;
}

const escape = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
export const q = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
const DAY = 86_400_000;

const ABSOLUTE_PATH = /(?:[A-Za-z]:\\|\/)(?:home|Users|tmp|var|private|opt|srv|builds?|runner|github|workspace|work|root|mnt|data|usr|__w)(?:[\\/][^\s"'`;,()<>]*)?/g;
const TIME = /(?<!\d)([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(?!\d)/g;
const ZONE = /GMT[+-]\d{2}:?\d{2}|UTC[+-]\d{1,2}(?::?\d{2})?|(?<=\d)(?:Z|[+-]\d{2}:\d{2})(?![\w:])|\b(?:[A-Z][a-z]+ )+(?:Standard |Daylight |Summer )?Time\b|\b(?:Africa|America|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)\/[A-Za-z_+-]+|\b(?:UTC|GMT|[ECMPA][SD]T|CES?T|EES?T|WES?T|BST|IST|JST|KST|AES?T)\b/g;
const EPOCH = /(?<![\d.])(?:\d{13}|\d{10})(?![\d])/g;
const DATE_STRING = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? (?:\d{1,2} [A-Z][a-z]{2}|[A-Z][a-z]{2} \d{1,2}) \d{4} \d{2}:\d{2}:\d{2}(?: GMT(?:[+-]\d{4})?)?/g;
const GROUPED_NUMBER = /\d{1,3}(?:[,.\u00a0\u202f' ]\d{3})+(?:[.,]\d+)?|\d+[.,]\d+/g;
const NUMERIC_DATE = /(?<![\d.])\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?![\d])/g;
const MONTHS: Record<string, string> = {
  en: "january february march april may june july august september october november december monday tuesday wednesday thursday friday saturday sunday",
  de: "januar februar märz mai juni juli oktober dezember montag dienstag mittwoch donnerstag freitag samstag sonntag",
  fr: "janvier février mars avril mai juin juillet août septembre octobre novembre décembre lundi mardi mercredi jeudi vendredi samedi dimanche",
  es: "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre lunes martes miércoles jueves viernes sábado domingo",
  it: "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre lunedì martedì mercoledì giovedì venerdì sabato domenica",
  nl: "januari februari maart mei juni juli augustus oktober maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
};
const FLOAT_0_1 = /(?<![\d.])0\.\d{6,}(?![\d])/g;
const TOKEN = /[A-Za-z0-9+/_-]{8,}={0,2}/g;

/** Every explanation this region supports; the caller falls back to `random` and `unknown`. */
export function regionFindings(r: Region, original: BuildFacts, rebuilt: BuildFacts, at = `at byte ${r.offset}`): Finding[] {
  // The same items in another order (an unsorted directory listing inlined by a macro): nothing else differs.
  if (isReordering(r.original, r.rebuilt)) {
    return [{ kind: "file-order", evidence: `${at}: ${q(r.original)} vs ${q(r.rebuilt)}: the same items in another order, as an unsorted listing gives` }];
  }
  const out: Finding[] = [];
  const { p, endA, endB } = core(r);
  const inRebuilt = (value: string | undefined) => value !== undefined && value.length >= 2 && containsAt(r.rebuilt, value, p, endB);
  const inOriginal = (value: string | undefined) => value !== undefined && value.length >= 2 && containsAt(r.original, value, p, endA);
  const paths = pairs(r, ABSOLUTE_PATH);
  const there = (value: string) => `${at}: the rebuilt bytes contain ${value}; the original has ${q(paths[0]?.[0] ?? r.original)} at the same place`;

  if (inRebuilt(rebuilt.buildPath)) out.push({ kind: "build-path", evidence: there(`the rebuild's project path ${rebuilt.buildPath}`) });
  else if (inOriginal(original.buildPath)) out.push({ kind: "build-path", evidence: `${at}: the original bytes contain its project path ${original.buildPath}; the rebuild has ${q(r.rebuilt)}` });
  else if (paths.length > 0) out.push({ kind: "build-path", evidence: `${at}: absolute paths ${q(paths[0]![0])} vs ${q(paths[0]![1])}: a machine's folder layout is in the output` });
  // The project path usually lies under the home folder and contains the user name: those are the same leak, not three.
  const outsideProject = rebuilt.buildPath ? r.rebuilt.replaceAll(rebuilt.buildPath, "") : r.rebuilt;
  const word = (value: string | undefined) =>
    value !== undefined && value.length >= 2 && new RegExp(`(?<![\\w.-])${escape(value)}(?![\\w-])`).test(outsideProject) && !r.original.includes(value);
  if (word(rebuilt.hostname)) out.push({ kind: "hostname", evidence: `${at}: the rebuilt bytes contain this machine's hostname ${q(rebuilt.hostname!)} where the original has ${q(r.original)}` });
  if (rebuilt.home && rebuilt.home.length > 1 && outsideProject.includes(rebuilt.home) && !r.original.includes(rebuilt.home)) {
    out.push({ kind: "user", evidence: `${at}: the rebuilt bytes contain the rebuild's home folder ${rebuilt.home} where the original has ${q(r.original)}` });
  }
  else if (word(rebuilt.user)) out.push({ kind: "user", evidence: `${at}: the rebuilt bytes contain the rebuild's user name ${q(rebuilt.user!)} where the original has ${q(r.original)}` });
  const known = new Set([rebuilt.buildPath, rebuilt.home, rebuilt.user, rebuilt.hostname]);
  for (const [name, value] of rebuilt.env ?? []) {
    if (value.length < 4 || known.has(value) || !inRebuilt(value) || r.original.includes(value)) continue;
    out.push({ kind: "env-var", evidence: `${at}: the rebuilt bytes contain the value of ${name} (${q(value)}) where the original has ${q(r.original)}` });
    break;
  }

  const zones = `${original.timezone && rebuilt.timezone && original.timezone !== rebuilt.timezone ? ` (TZ ${original.timezone} vs ${rebuilt.timezone})` : rebuilt.timezone ? ` (the rebuild ran with TZ=${rebuilt.timezone})` : ""}`;
  const shifted = pairs(r, TIME).find(([a, b]) => a.slice(a.indexOf(":")) === b.slice(b.indexOf(":")));
  const zone = pairs(r, ZONE)[0];
  if (shifted) {
    const hours = (((Number(shifted[1].split(":")[0]) - Number(shifted[0].split(":")[0])) % 24) + 24) % 24;
    out.push({ kind: "timezone", evidence: `${at}: ${q(shifted[0])} vs ${q(shifted[1])}: the same minutes and seconds ${hours > 12 ? 24 - hours : hours} hour(s) apart, one instant in two time zones${zones}` });
  } else if (zone) out.push({ kind: "timezone", evidence: `${at}: time zone ${q(zone[0])} vs ${q(zone[1])}${zones}` });
  else {
    const stamp = [...pairs(r, EPOCH), ...pairs(r, DATE_STRING)].find(([a, b]) => nearBuild(readTime(a), original) && nearBuild(readTime(b), rebuilt));
    if (stamp) {
      const iso = (s: string) => new Date(readTime(s)).toISOString();
      const near = original.startedAt && rebuilt.startedAt ? "times within a day of the builds" : "plausible build times";
      out.push({ kind: "timestamp", evidence: `${at}: ${q(stamp[0])} vs ${q(stamp[1])}: both read as ${near} (${iso(stamp[0])} vs ${iso(stamp[1])})` });
    }
  }

  const locale = localeEvidence(r);
  if (locale) out.push({ kind: "locale", evidence: `${at}: ${locale}${original.locale && rebuilt.locale && original.locale !== rebuilt.locale ? ` (locale ${original.locale} vs ${rebuilt.locale})` : ""}` });
  return out;
}

function readTime(text: string): number {
  if (/^\d+$/.test(text)) return text.length === 13 ? Number(text) : Number(text) * 1000;
  return Date.parse(text);
}

/**
 * Near the side's own build: its start, or its SOURCE_DATE_EPOCH (what a build
 * that honours it writes). Without a known start, any time in 2000-2099: the
 * epoch alone is the commit time, and a clock read during the build is not near it.
 */
function nearBuild(time: number, facts: BuildFacts): boolean {
  if (!Number.isFinite(time)) return false;
  if (facts.startedAt === undefined) return time >= Date.UTC(2000, 0, 1) && time < Date.UTC(2100, 0, 1);
  const anchors = [facts.startedAt.getTime(), ...(facts.sourceDateEpoch === undefined ? [] : [facts.sourceDateEpoch * 1000])];
  return anchors.some((t) => Math.abs(time - t) <= DAY);
}

function localeEvidence(r: Region): string | undefined {
  const digits = (s: string) => s.replace(/\D/g, "");
  const number = pairs(r, GROUPED_NUMBER).find(([a, b]) => digits(a) === digits(b));
  if (number) return `${q(number[0])} vs ${q(number[1])}: the same digits with other grouping and decimal marks, as number formatting follows the locale`;
  const parts = (s: string) => s.split(/\D+/).map(Number).sort((x, y) => x - y).join();
  const date = pairs(r, NUMERIC_DATE).find(([a, b]) => parts(a) === parts(b));
  if (date) return `${q(date[0])} vs ${q(date[1])}: the same date written in another order, as date formatting follows the locale`;
  const language = (s: string) => Object.keys(MONTHS).filter((l) => s.toLowerCase().split(/[^\p{L}]+/u).some((w) => w.length > 2 && MONTHS[l]!.split(" ").includes(w)));
  const [a, b] = [language(r.original), language(r.rebuilt)];
  if (a.length > 0 && b.length > 0 && !a.some((l) => b.includes(l))) return `${q(r.original)} vs ${q(r.rebuilt)}: month or day names in another language (${a.join("/")} vs ${b.join("/")})`;
  return undefined;
}

/** Differing values that look like Math.random() or random/hash tokens; only asked when nothing else explains the region. */
export function randomEvidence(r: Region, at = `at byte ${r.offset}`): string | undefined {
  const float = pairs(r, FLOAT_0_1)[0];
  if (float) return `${at}: ${q(float[0])} vs ${q(float[1])}: floats in (0, 1) with ${float[0].length - 2} digits, as Math.random() gives`;
  const token = pairs(r, TOKEN).find(([a, b]) => a.length === b.length && looksRandom(a) && looksRandom(b));
  if (token) return `${at}: ${q(token[0])} vs ${q(token[1])}: same-length ${charset(token[0], token[1])} strings with no pattern, random or a hash of something that differs`;
  return undefined;
}

function looksRandom(s: string): boolean {
  const t = s.replace(/=+$/, "");
  const kinds = [/[a-z]/.test(t), /[A-Z]/.test(t), /\d/.test(t)].filter(Boolean).length;
  return (/^[0-9a-f]+$/i.test(t) && kinds >= 2) || (/^[0-9a-z]+$/.test(t) && kinds >= 2) || (t.length >= 12 && kinds === 3);
}

function charset(a: string, b: string): string {
  if (/^[0-9a-f]+$/.test(a + b) || /^[0-9A-F]+$/.test(a + b)) return "hex";
  if (/^[0-9a-z]+$/.test(a + b)) return "base-36";
  return "base64-like";
}
