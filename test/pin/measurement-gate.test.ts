/** The pin gate as a pure plan (src/pin/measurement-gate.ts): which measurement a pin rests on, and each refusal. */
import { describe, expect, test } from "bun:test";
import { BunsealError } from "../../src/errors.ts";
import { gatePin, type GateInput } from "../../src/pin/measurement-gate.ts";
import type { VerifiedMeasurement } from "../../src/pin/verified-measurements.ts";
import { measurementPredicate, type MeasurementShape } from "../helpers/measurements.ts";

const d = (c: string) => c.repeat(64);
const measured = (shape: MeasurementShape): VerifiedMeasurement => ({ stored: {} as VerifiedMeasurement["stored"], predicate: measurementPredicate(shape) as VerifiedMeasurement["predicate"] });
const base: GateInput = { service: "api", env: "prod", digest: d("b"), current: d("a"), runRecorded: true, serviceMeasured: true, measurements: [], unverified: 0 };

function refusal(run: () => unknown): BunsealError {
  try {
    run();
  } catch (error) {
    return error as BunsealError;
  }
  throw new Error("expected a refusal");
}

describe("the pin gate", () => {
  test("a service whose build records no run, and that was never measured, is not gated", () => {
    expect(gatePin({ ...base, runRecorded: false, serviceMeasured: false })).toEqual({ required: false });
  });

  test("a recorded run with no measurement is MEASUREMENT_MISSING, saying how to measure", () => {
    const error = refusal(() => gatePin(base));
    expect(error.code).toBe("MEASUREMENT_MISSING");
    expect(error.message).toContain("api records how to run it (run), so a pin needs a verified measurement of sha256:bbbbbbbbbbbb against sha256:aaaaaaaaaaaa (what prod runs now)");
    expect(error.message).toContain("bunseal measure ARTIFACT --env prod --store (or pin --measure)");
  });

  test("picks the newest measurement against what runs now, passing over newer ones against anything else", () => {
    const outcome = gatePin({ ...base, measurements: [measured({ against: { name: "c", digest: d("c") }, measuredAt: "2026-03-03T00:00:00Z" }), measured({ against: { name: "a", digest: d("a") }, measuredAt: "2026-03-02T00:00:00Z" })] });
    expect(outcome).toEqual({ required: true, measurement: { measuredAt: "2026-03-02T00:00:00Z", against: d("a"), passed: true } });
  });

  test("an environment with no pin yet, or running the digest already, takes a plain measurement", () => {
    const plain = [measured({ measuredAt: "2026-03-02T00:00:00Z" })];
    expect(gatePin({ ...base, current: null, measurements: plain })).toMatchObject({ required: true, measurement: { against: null, passed: true } });
    expect(gatePin({ ...base, current: d("b"), measurements: plain })).toMatchObject({ required: true, measurement: { against: null } });
  });

  test("an exceeded absolute budget is BUDGET_EXCEEDED, naming the figure, budget and measured value", () => {
    const over = measured({ against: { name: "a", digest: d("a") }, passed: false });
    over.predicate.verdict.findings = [{ code: "BUDGET_EXCEEDED", figure: "rssMb", budget: "at most 128 MiB", measured: "212.4 MiB" }];
    const error = refusal(() => gatePin({ ...base, measurements: [over] }));
    expect(error.code).toBe("BUDGET_EXCEEDED");
    expect(error.message).toContain("BUDGET_EXCEEDED: rssMb: budget at most 128 MiB, measured 212.4 MiB");
    expect(gatePin({ ...base, measurements: [over], allowRegression: "capacity raised" })).toMatchObject({ measurement: { passed: false, allowedRegression: { reason: "capacity raised", findings: over.predicate.verdict.findings } } });
  });
});
