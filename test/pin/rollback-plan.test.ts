import { describe, expect, test } from "bun:test";
import { BunsealError } from "../../src/errors.ts";
import { planRollback } from "../../src/pin/rollback-plan.ts";
import type { PinRecord } from "../../src/store/store.ts";

const d = (c: string) => c.repeat(64);
const pin = (sequence: number, digest: string, rollbackOf: number | null = null): PinRecord => ({ service: "api", env: "prod", sequence, digest, previousDigest: null, actor: "t", reason: "", pinnedAt: `2026-01-0${sequence}T00:00:00Z`, rollbackOf, bundle: "{}" });
const history = [pin(1, d("a")), pin(2, d("b")), pin(3, d("c"))];
const contracts = new Map([
  [d("a"), { schemaVersion: "1" }],
  [d("b"), { schemaVersion: "2" }],
  [d("c"), { schemaVersion: "2" }],
]);

function refusal(run: () => unknown): BunsealError {
  try {
    run();
  } catch (error) {
    return error as BunsealError;
  }
  throw new Error("expected a refusal");
}

describe("rollback plans", () => {
  test("one step back by default, as the next pin in sequence", () => {
    const plan = planRollback({ service: "api", env: "prod" }, history, contracts);
    expect(plan.from).toEqual({ sequence: 3, digest: d("c"), schemaVersion: "2" });
    expect(plan.to).toMatchObject({ digest: d("b"), lastPinnedAs: 2 });
    expect(plan.nextSequence).toBe(4);
    expect(plan.contractChange).toBe(false);
  });

  test("steps count artifacts, not pins: a rollback in the history is not stepped onto twice", () => {
    const withRollback = [...history, pin(4, d("b"), 3), pin(5, d("c"))];
    expect(planRollback({ service: "api", env: "prod", steps: 1 }, withRollback, contracts).to.digest).toBe(d("b"));
  });

  test("refuses a schema contract change unless allowed, naming both versions", () => {
    const error = refusal(() => planRollback({ service: "api", env: "prod", to: d("a") }, history, contracts));
    expect(error.code).toBe("ROLLBACK_REFUSED");
    expect(error.message).toContain("from 2 to 1");
    expect(planRollback({ service: "api", env: "prod", to: `sha256:${d("a")}`, allowContractChange: true }, history, contracts).contractChange).toBe(true);
  });

  test("refuses a target never pinned in this environment (not known good here)", () => {
    const error = refusal(() => planRollback({ service: "api", env: "prod", to: d("f") }, history, contracts));
    expect(error.code).toBe("ROLLBACK_REFUSED");
    expect(error.message).toContain("never pinned");
  });

  test("refuses to roll back to what runs now, or further back than the history goes", () => {
    expect(refusal(() => planRollback({ service: "api", env: "prod", to: d("c") }, history, contracts)).message).toContain("runs now");
    expect(refusal(() => planRollback({ service: "api", env: "prod", steps: 3 }, history, contracts)).code).toBe("ROLLBACK_REFUSED");
    expect(refusal(() => planRollback({ service: "api", env: "staging" }, [], contracts)).message).toContain("never been pinned");
  });
});
