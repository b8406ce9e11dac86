import { describe, expect, test } from "bun:test";
import { compareEntries, compareTars, type ArtifactEntry, type Comparison } from "../../src/rebuild/compare.ts";
import { explainDifferences, type Cause } from "../../src/rebuild/explain.ts";
import { MTIME, PLANTED, plantedTars, originalFacts, rebuiltFacts } from "./planted.ts";

const text = (s: string) => new TextEncoder().encode(s);
const entry = (path: string, data: string, over: Partial<ArtifactEntry> = {}): ArtifactEntry => ({ path, data: text(data), mode: 0o644, mtime: MTIME, uid: 0, gid: 0, uname: "", gname: "", ...over });
const kindsByFile = (causes: Cause[]) => causes.map((c) => [c.file, c.kind]);
const causeOf = (causes: Cause[], file: string | null, kind: string) => {
  const found = causes.find((c) => c.file === file && c.kind === kind);
  if (!found) throw new Error(`no ${kind} cause for ${file} in\n${JSON.stringify(causes, null, 2)}`);
  return found;
};

describe("explainDifferences", () => {
  let causes: Cause[];
  test("names one cause per planted difference, file by file, and nothing for identical files", async () => {
    const [a, b] = await plantedTars(PLANTED);
    causes = explainDifferences(await compareTars(a, b), originalFacts(), rebuiltFacts());
    expect(kindsByFile(causes)).toEqual([
      ["added.txt", "unknown"],
      ["env.js", "env-var"],
      ["host.js", "hostname"],
      ["index.js", "timestamp"],
      ["locale.js", "locale"],
      ["min.js", "timestamp"],
      ["order.js", "file-order"],
      ["order.min.js", "file-order"],
      ["paths.js", "build-path"],
      ["random.js", "random"],
      ["removed.txt", "unknown"],
      ["start.sh", "file-mode"],
      ["token.js", "random"],
      ["tz.js", "timezone"],
      ["user.js", "user"],
    ]);
  });

  test("catches a build timestamp, quoting both values and the times they read as", () => {
    expect(causeOf(causes, "index.js", "timestamp").evidence).toBe(
      'at byte 32: "1764150000123" vs "1764150123456": both read as times within a day of the builds (2025-11-26T09:40:00.123Z vs 2025-11-26T09:42:03.456Z)',
    );
    expect(causeOf(causes, "min.js", "timestamp").evidence).toContain('"1764150000123" vs "1764150123456"');
  });

  test("catches the rebuild's project path leaking into the output", () => {
    expect(causeOf(causes, "paths.js", "build-path").evidence).toBe(
      'at byte 14: the rebuilt bytes contain the rebuild\'s project path /tmp/bunseal-rebuild-x/app; the original has "/home/ci/work/app/src" at the same place',
    );
  });

  test("catches Math.random() floats and random hex tokens", () => {
    expect(causeOf(causes, "random.js", "random").evidence).toBe('at byte 20: "0.8123456789012345" vs "0.2231234567890123": floats in (0, 1) with 16 digits, as Math.random() gives');
    expect(causeOf(causes, "token.js", "random").evidence).toContain('"a3f9c2e1b4d5" vs "77e0b19cd2aa": same-length hex strings');
  });

  test("catches modules emitted in another order, in readable and in minified code", () => {
    expect(causeOf(causes, "order.js", "file-order").evidence).toStartWith("the same lines in another order");
    expect(causeOf(causes, "order.min.js", "file-order").evidence).toStartWith("the same statements in another order");
  });

  test("catches a mode change, an added and a removed file", () => {
    expect(causeOf(causes, "start.sh", "file-mode").evidence).toBe("mode 0644 in the original, 0755 rebuilt");
    expect(causeOf(causes, "added.txt", "unknown").evidence).toStartWith("present only in the rebuild (20 bytes");
    expect(causeOf(causes, "removed.txt", "unknown").evidence).toStartWith("present only in the original (21 bytes");
  });

  test("catches locale number formatting and a time shifted by whole hours", () => {
    expect(causeOf(causes, "locale.js", "locale").evidence).toBe('at byte 22: "1,234.5" vs "1.234,5": the same digits with other grouping and decimal marks, as number formatting follows the locale');
    expect(causeOf(causes, "tz.js", "timezone").evidence).toBe('at byte 30: "09:40:00" vs "18:40:00": the same minutes and seconds 9 hour(s) apart, one instant in two time zones (the rebuild ran with TZ=Europe/Berlin)');
  });

  test("catches the rebuild machine's hostname, user name and environment values", () => {
    expect(causeOf(causes, "host.js", "hostname").evidence).toBe('at byte 14: the rebuilt bytes contain this machine\'s hostname "rebuild-host-7" where the original has "ci-runner-12"');
    expect(causeOf(causes, "user.js", "user").evidence).toBe('at byte 20: the rebuilt bytes contain the rebuild\'s user name "relengineer" where the original has "builder"');
    expect(causeOf(causes, "env.js", "env-var").evidence).toBe('at byte 13: the rebuilt bytes contain the value of PUBLIC_API_BASE ("https://api.example.test") where the original has "https://api.prod.example"');
  });

  test("catches a clock read by a macro (an ISO time) even when the builds' start times are not known", () => {
    const c = compareEntries([entry("index.js", 'var PROBED = "2026-11-26T10:11:12.345Z";\n')], [entry("index.js", 'var PROBED = "2026-11-26T10:11:19.870Z";\n')]);
    const causes = explainDifferences(c, originalFacts({ startedAt: undefined }), rebuiltFacts({ startedAt: undefined }));
    expect(causes).toEqual([{ kind: "timestamp", file: "index.js", evidence: 'at byte 14: "2026-11-26T10:11:12.345Z" vs "2026-11-26T10:11:19.870Z": both read as plausible build times (2026-11-26T10:11:12.345Z vs 2026-11-26T10:11:19.870Z)' }]);
  });

  test("catches an unsorted directory listing inlined into the bundle as one list in another order", () => {
    const listing = (names: string) => `var PROBED = "${names}";\nconsole.log(PROBED);\n`;
    const c = compareEntries([entry("index.js", listing("audit.ts,billing.ts,catalog.ts,delivery.ts,export.ts"))], [entry("index.js", listing("delivery.ts,audit.ts,export.ts,billing.ts,catalog.ts"))]);
    expect(explainDifferences(c, originalFacts(), rebuiltFacts())).toEqual([
      { kind: "file-order", file: "index.js", evidence: 'at byte 14: "audit.ts,billing.ts,catalog.ts,delivery.ts,export.ts" vs "delivery.ts,audit.ts,export.ts,billing.ts,catalog.ts": the same items in another order, as an unsorted listing gives' },
    ]);
  });

  test("puts drift first (Bun, lockfile, packages and their files, inputs), since it explains everything after it", async () => {
    const [a, b] = await plantedTars({ "index.js": PLANTED["index.js"] as [string, string] });
    const drifted = rebuiltFacts({
      bunVersion: "1.4.4",
      lockfileDigest: "sha256:" + "d".repeat(64),
      packages: new Map([["zod@4.6.7", "sha512:" + "e".repeat(128)], ["left-pad@1.3.0", "sha512:" + "f".repeat(128)]]),
      inputs: new Map([["src/index.ts", "2".repeat(64)], ["bun.lock", "4".repeat(64)], ["node_modules/ms/index.js", "6".repeat(64)]]),
    });
    const recorded = originalFacts();
    const causes = explainDifferences(await compareTars(a, b), { ...recorded, inputs: new Map([...recorded.inputs, ["node_modules/ms/index.js", "5".repeat(64)]]) }, drifted);
    expect(causes.map((c) => [c.kind, c.file, c.evidence])).toEqual([
      ["bun-version", null, "built with Bun 1.4.5, rebuilt with 1.4.4"],
      ["dependency-drift", null, `bun.lock sha256:${"a".repeat(64)} recorded, sha256:${"d".repeat(64)} in the checkout`],
      ["dependency-drift", null, "left-pad@1.3.0 is installed for the rebuild but was not recorded"],
      ["dependency-drift", null, "zod@4.6.7: integrity sha512:bbbbbbbbbbbb… recorded, sha512:eeeeeeeeeeee… installed"],
      ["dependency-drift", "node_modules/ms/index.js", "sha256 5555555555555555555… recorded, 6666666666666666666… now (a file of an installed package)"],
      ["input-drift", "src/index.ts", "sha256 1111111111111111111… recorded, 2222222222222222222… now"],
      ["timestamp", "index.js", expect.stringContaining('"1764150000123" vs "1764150123456"')],
    ]);
  });

  test("a drifted file of a package whose install script the record says ran names that script", () => {
    const c = compareEntries([entry("a.js", "x")], [entry("a.js", "y")]);
    const recorded = originalFacts({ packages: new Map([["@acme/stamp@1.0.0", "sha512:" + "b".repeat(128)]]), scriptsRun: ["@acme/stamp@1.0.0"], inputs: new Map([["node_modules/@acme/stamp/built-at.js", "5".repeat(64)]]) });
    const rebuilt = rebuiltFacts({ packages: recorded.packages, inputs: new Map([["node_modules/@acme/stamp/built-at.js", "6".repeat(64)]]), installScripts: new Map([["@acme/stamp", 'postinstall: "node write-time.js"']]) });
    const drift = explainDifferences(c, recorded, rebuilt).find((cause) => cause.file === "node_modules/@acme/stamp/built-at.js")!;
    expect(drift.kind).toBe("dependency-drift");
    expect(drift.evidence).toBe('sha256 5555555555555555555… recorded, 6666666666666666666… now (a file of an installed package; @acme/stamp@1.0.0 has install scripts, which the record says ran: postinstall: "node write-time.js")');
    // a package whose scripts did not run is only a file of an installed package
    const quiet = explainDifferences(c, { ...recorded, scriptsRun: [] }, rebuilt).find((cause) => cause.file === "node_modules/@acme/stamp/built-at.js")!;
    expect(quiet.evidence).toEndWith("(a file of an installed package)");
  });

  test("reports a recorded environment variable the rebuild could not see, and a different SOURCE_DATE_EPOCH", () => {
    const c = compareEntries([entry("a.js", "x")], [entry("a.js", "y")]);
    const causes = explainDifferences(c, originalFacts(), rebuiltFacts({ env: new Map([["PUBLIC_API_BASE", ""]]), sourceDateEpoch: MTIME + 3600 }));
    expect(causes.slice(0, 2)).toEqual([
      { kind: "env-var", file: null, evidence: "PUBLIC_API_BASE was visible to the original build but is unset or empty for the rebuild" },
      { kind: "timestamp", file: null, evidence: "SOURCE_DATE_EPOCH 1764150000 (2025-11-26T09:40:00.000Z) recorded, 1764153600 (2025-11-26T10:40:00.000Z) for the rebuild" },
    ]);
  });

  test("says a different SOURCE_DATE_EPOCH once, not once per entry whose mtime it set", () => {
    const c = compareEntries([entry("a.js", "1"), entry("b.js", "2")], [entry("a.js", "1", { mtime: MTIME + 60 }), entry("b.js", "2", { mtime: MTIME + 60 })]);
    expect(kindsByFile(explainDifferences(c, originalFacts(), rebuiltFacts({ sourceDateEpoch: MTIME + 60 })))).toEqual([[null, "timestamp"]]);
  });

  test("follows a renamed content-hash chunk to its timestamp, without calling the changed hash random", () => {
    const c = compareEntries(
      [entry("a.js", 'import("./chunk-7p1enhmt.js");\n//# debugId=51AC236A067EBE2C64756E2164756E21\n'), entry("chunk-7p1enhmt.js", "var t=1764150000123;\n//# debugId=BF95276B76C730F664756E2164756E21\n")],
      [entry("a.js", 'import("./chunk-k2j3h4g5.js");\n//# debugId=5E67131B2727681E64756E2164756E21\n'), entry("chunk-k2j3h4g5.js", "var t=1764150123456;\n//# debugId=0A1B2C3D4E5F60718293A4B5C6D7E8F9\n")],
    );
    const causes = explainDifferences(c, originalFacts(), rebuiltFacts());
    expect(kindsByFile(causes)).toEqual([["chunk-k2j3h4g5.js", "timestamp"]]);
  });

  test("falls back to unknown with the first differing byte and both snippets, never an empty list", () => {
    const c = compareEntries([entry("a.js", "let mode = 'fast';\n")], [entry("a.js", "let mode = 'slow';\n")]);
    expect(explainDifferences(c, originalFacts(), rebuiltFacts())).toEqual([{ kind: "unknown", file: "a.js", evidence: 'at byte 12: "fast" vs "slow"' }]);
    const framing: Comparison = { identical: false, files: [], tar: { original: "a".repeat(64), rebuilt: "b".repeat(64) } };
    expect(explainDifferences(framing, originalFacts(), rebuiltFacts())[0]).toMatchObject({ kind: "unknown", file: null, evidence: expect.stringContaining("tar framing") });
  });

  test("explains the archive's entry order and other header fields", () => {
    const c = compareEntries([entry("a.js", "1"), entry("b.js", "2")], [entry("b.js", "2"), entry("a.js", "1", { mtime: MTIME + 60, uname: "relengineer" })]);
    expect(explainDifferences(c, originalFacts(), rebuiltFacts())).toEqual([
      { kind: "file-order", file: null, evidence: 'the archives list their entries in another order: entry 1 is "a.js" in the original, "b.js" rebuilt' },
      { kind: "timestamp", file: "a.js", evidence: "tar mtime 1764150000 (2025-11-26T09:40:00.000Z) vs 1764150060 (2025-11-26T09:41:00.000Z)" },
      { kind: "user", file: "a.js", evidence: 'tar uname "" vs "relengineer": the archive records who built it' },
    ]);
  });

  test("identical artifacts need no explanation", async () => {
    const [a] = await plantedTars({ "a.js": ["x", "x"] });
    expect(explainDifferences(await compareTars(a, a), originalFacts(), rebuiltFacts({ bunVersion: "1.4.4" }))).toEqual([]);
  });
});
