/**
 * A byte pattern is a hypothesis: only an experiment that varied its factor
 * and moved the same file confirms it. An experiment on another file, or a
 * pattern about no file, never borrows a ✓.
 */
import { describe, expect, test } from "bun:test";
import type { Cause } from "../../src/rebuild/cause.ts";
import { confirmCauses } from "../../src/rebuild/confirm-causes.ts";

const shown = { kind: "timestamp" as const, file: "other.js", experiment: "other.js byte 3 changes when only this changes: the clock 397 days ahead" };

describe("a cause is confirmed by its own experiment only", () => {
  test("a timestamp pattern in index.js is not confirmed by the clock moving other.js", () => {
    const found: Cause[] = [{ kind: "timestamp", file: "index.js", evidence: "at byte 12: two build times" }];
    const causes = confirmCauses(found, [shown]);
    expect(causes.find((c) => c.file === "index.js")).toEqual({ kind: "timestamp", file: "index.js", evidence: "at byte 12: two build times", confirmed: false });
    expect(causes.find((c) => c.file === "other.js")).toMatchObject({ kind: "timestamp", confirmed: true, experiment: shown.experiment });
  });

  test("a pattern about no file (SOURCE_DATE_EPOCH) stays a hypothesis beside a confirmed timestamp in a file", () => {
    const found: Cause[] = [{ kind: "timestamp", file: null, evidence: "SOURCE_DATE_EPOCH 1 recorded, 2 for the rebuild" }];
    expect(confirmCauses(found, [shown]).find((c) => c.file === null)?.confirmed).toBe(false);
  });

  test("the same kind on the same file is confirmed, with the experiment's sentence", () => {
    const found: Cause[] = [{ kind: "timestamp", file: "other.js", evidence: "at byte 3: two build times" }];
    expect(confirmCauses(found, [shown])).toEqual([{ kind: "timestamp", file: "other.js", evidence: "at byte 3: two build times", confirmed: true, experiment: shown.experiment }]);
  });

  test("what the experiments leave only likely (the monotonic clock not stopped) is listed, never confirmed", () => {
    const likely = { kind: "random" as const, file: "index.js", experiment: "index.js byte 9 differs with the wall clock stopped; the monotonic clock (performance.now, hrtime) was not stopped", hypothesis: true };
    expect(confirmCauses([], [likely])).toEqual([{ kind: "random", file: "index.js", evidence: likely.experiment, confirmed: false }]);
    const found: Cause[] = [{ kind: "random", file: "index.js", evidence: "floats in (0, 1)" }];
    expect(confirmCauses(found, [likely])).toEqual([{ kind: "random", file: "index.js", evidence: "floats in (0, 1)", confirmed: false }]);
  });

  test("drift is confirmed by the recorded digests themselves", () => {
    const found: Cause[] = [{ kind: "dependency-drift", file: null, evidence: "bun.lock a recorded, b in the checkout" }];
    expect(confirmCauses(found, [])[0]).toMatchObject({ confirmed: true, experiment: "the recorded digests compared with the rebuild's" });
  });

  test("an mtime names the file whose metadata the record says the build read, or no file, never the output file", () => {
    const mtime = { kind: "mtime" as const, file: "index.js", experiment: "index.js byte 43 changes when only this changes: every file of the checkout with its modification time 397 days ahead" };
    expect(confirmCauses([], [mtime])).toEqual([{ kind: "mtime", file: null, evidence: mtime.experiment, confirmed: true, experiment: mtime.experiment }]);
    const named = confirmCauses([{ kind: "unknown", file: "index.js", evidence: "first difference at byte 43" }], [mtime], { stats: ["src/data.txt"] });
    // the output file's "unknown" is explained by the experiment that moved it
    expect(named).toEqual([{ kind: "mtime", file: "src/data.txt", evidence: `${mtime.experiment}; the build read the metadata of src/data.txt`, confirmed: true, experiment: `${mtime.experiment}; the build read the metadata of src/data.txt` }]);
  });

  test("another Bun, read off the record, is confirmed by the build with the recorded Bun, through the file it brought back", () => {
    const back = { kind: "bun-version" as const, file: "index.js", experiment: "index.js comes out as the original's when built with the recorded Bun 1.4.4" };
    const causes = confirmCauses([{ kind: "bun-version", file: null, evidence: "built with Bun 1.4.4, rebuilt with 1.4.5" }], [back]);
    expect(causes).toEqual([{ kind: "bun-version", file: null, evidence: "built with Bun 1.4.4, rebuilt with 1.4.5", confirmed: true, experiment: back.experiment }]);
  });
});
