/**
 * A (service, environment) timeline marks what changed: a pin whose artifact
 * has other contracts than the one before it, and a rollback (the pin says
 * which pin it rolls back). Pure, so every case is cheap to state; the browser
 * test shows the marks on screen for a real store.
 */
import { expect, test } from "bun:test";
import { markTimeline, type PinRow, type PinnedArtifact } from "../../src/serve/views.ts";

const pin = (sequence: number, digest: string, extra: Partial<PinRow> = {}): PinRow => ({ service: "api", env: "prod", sequence, digest, previousDigest: null, actor: "ci", reason: "", pinnedAt: `2026-12-0${sequence}T00:00:00.000Z`, rollbackOf: null, ...extra });
const artifact = (schemaVersion: string | null, telemetryContract: string | null = "otel-v1"): PinnedArtifact => ({ name: "api.tar", commit: "c".repeat(40), builtAt: "2026-12-01T00:00:00.000Z", schemaVersion, telemetryContract });

test("a contract change is marked on the pin that made it, with before and after; a rollback carries what it rolls back", () => {
  const artifacts = new Map([
    ["a", artifact("1")],
    ["b", artifact("2")],
    ["c", artifact("2", "otel-v2")],
  ]);
  const entries = markTimeline([pin(1, "a"), pin(2, "b"), pin(3, "c"), pin(4, "a", { rollbackOf: 3 })], artifacts);
  expect(entries.map((e) => e.pin.sequence)).toEqual([4, 3, 2, 1]);
  expect(entries.map((e) => e.current)).toEqual([true, false, false, false]);
  const bySequence = new Map(entries.map((e) => [e.pin.sequence, e]));
  expect(bySequence.get(1)!.contractChange).toBeNull();
  expect(bySequence.get(2)!.contractChange).toEqual({ schemaVersion: ["1", "2"], telemetryContract: null });
  expect(bySequence.get(3)!.contractChange).toEqual({ schemaVersion: null, telemetryContract: ["otel-v1", "otel-v2"] });
  // rolling back to a: both contracts go back, and the entry says it is a rollback of pin 3
  expect(bySequence.get(4)!.contractChange).toEqual({ schemaVersion: ["2", "1"], telemetryContract: ["otel-v2", "otel-v1"] });
  expect(bySequence.get(4)!.pin.rollbackOf).toBe(3);
});

test("an artifact the store does not hold is shown without a contract judgement, never as a change", () => {
  const entries = markTimeline([pin(1, "a"), pin(2, "missing"), pin(3, "a")], new Map([["a", artifact("1")]]));
  expect(entries.map((e) => e.contractChange)).toEqual([null, null, null]);
  expect(entries.find((e) => e.pin.digest === "missing")!.artifact).toBeNull();
});

test("a row that is not its signed pin is never current, names no artifact, and no contract change is read across it", () => {
  const artifacts = new Map([
    ["a", artifact("1")],
    ["b", artifact("2")],
  ]);
  const problems = new Map([[2, ["digest: the row says sha256:b, the signed pin says sha256:a"]]]);
  const entries = markTimeline([pin(1, "a"), pin(2, "b"), pin(3, "b")], artifacts, problems);
  const bySequence = new Map(entries.map((e) => [e.pin.sequence, e]));
  expect(bySequence.get(2)).toMatchObject({ matchesSignedPin: false, artifact: null, current: false, contractChange: null, rowProblems: problems.get(2) });
  // #3 after it: its artifact is known, but the change from #2 cannot be told
  expect(bySequence.get(3)).toMatchObject({ matchesSignedPin: true, current: true, contractChange: null, rowProblems: [] });
  // the edited row newest: nothing is current
  const edited = markTimeline([pin(1, "a"), pin(2, "b")], artifacts, problems);
  expect(edited.map((e) => e.current)).toEqual([false, false]);
});
