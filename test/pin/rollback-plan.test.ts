import { describe, expect, test } from "bun:test";
import { BunsealError } from "../../src/errors.ts";
import { planRollback, type PlanArtifact } from "../../src/pin/rollback-plan.ts";
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
    expect(plan.from).toEqual({ sequence: 3, digest: d("c"), schemaVersion: "2", telemetryContract: null, commit: null });
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

  test("refuses a telemetry contract change as it refuses a schema one, unless allowed", () => {
    const telemetry = new Map<string, PlanArtifact>([
      [d("a"), { schemaVersion: "2", telemetryContract: "otel-v1" }],
      [d("b"), { schemaVersion: "2", telemetryContract: "otel-v1" }],
      [d("c"), { schemaVersion: "2", telemetryContract: "otel-v2" }],
    ]);
    const error = refusal(() => planRollback({ service: "api", env: "prod" }, history, telemetry));
    expect(error.code).toBe("ROLLBACK_REFUSED");
    expect(error.field).toBe("contracts.telemetryContract");
    expect(error.message).toBe(`rolling api in prod back to sha256:${"b".repeat(12)} would change the telemetryContract contract from otel-v2 to otel-v1; dashboards, alerts and consumers of its events may no longer match. Pass --allow-contract-change if that is intended`);
    expect(error.expected).toBe("otel-v2");
    expect(error.found).toBe("otel-v1");
    const plan = planRollback({ service: "api", env: "prod", allowContractChange: true }, history, telemetry);
    expect(plan).toMatchObject({ contractChange: true, contractChanges: ["telemetryContract"], from: { telemetryContract: "otel-v2" }, to: { digest: d("b"), telemetryContract: "otel-v1" } });
    // the same telemetry contract on both ends is no change
    expect(planRollback({ service: "api", env: "prod", to: d("a") }, [...history.slice(0, 2)], telemetry).contractChanges).toEqual([]);
  });

  test("a rollback changing both contracts names both, the schema's first", () => {
    const both = new Map<string, PlanArtifact>([...contracts, [d("a"), { schemaVersion: "1", telemetryContract: "otel-v1" }], [d("c"), { schemaVersion: "2", telemetryContract: "otel-v2" }]]);
    const error = refusal(() => planRollback({ service: "api", env: "prod", to: d("a") }, history, both));
    expect(error.field).toBe("contracts.schemaVersion");
    expect(error.message).toContain("the schemaVersion contract from 2 to 1; the data may no longer fit, and the telemetryContract contract from otel-v2 to otel-v1");
    expect(planRollback({ service: "api", env: "prod", to: d("a"), allowContractChange: true }, history, both).contractChanges).toEqual(["schemaVersion", "telemetryContract"]);
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

  test("a second rollback does not go back to the release the first one rolled back from", () => {
    // #1 a, #2 b, #3 c (bad) -> #4 rollback to a: c was rolled back from, so the next step back skips it
    const rolled = [...history, pin(4, d("a"), 3)];
    const plan = planRollback({ service: "api", env: "prod", allowContractChange: true }, rolled, contracts);
    expect(plan.to).toMatchObject({ digest: d("b"), lastPinnedAs: 2 });
    expect(plan.skipped).toEqual([{ digest: d("c"), rolledBackBy: 4 }]);
    // with nothing else to go to, the refusal names the digest it will not pin again and how to
    const error = refusal(() => planRollback({ service: "api", env: "prod" }, [pin(1, d("b")), pin(2, d("c")), pin(3, d("b"), 2)], contracts));
    expect(error.code).toBe("ROLLBACK_REFUSED");
    expect(error.message).toContain(`sha256:${d("c").slice(0, 12)} was rolled back from (by #3)`);
    expect(error.message).toContain("--to and --reason");
  });

  test("a digest rolled back from is pinned again by rollback only with --to and a reason of the caller's", () => {
    const rolled = [...history, pin(4, d("b"), 3)];
    const error = refusal(() => planRollback({ service: "api", env: "prod", to: d("c") }, rolled, contracts));
    expect(error.code).toBe("ROLLBACK_REFUSED");
    expect(error.message).toContain("was rolled back from (by #4)");
    expect(error.field).toBe("--reason");
    expect(planRollback({ service: "api", env: "prod", to: d("c"), reasonGiven: true }, rolled, contracts).to).toMatchObject({ digest: d("c"), lastPinnedAs: 3 });
  });

  test("--to takes a unique prefix of at least 12 hex, and lists the matches of an ambiguous one", () => {
    const near = (c: string) => `${"ab".repeat(6)}${c.repeat(52)}`;
    const twins = [pin(1, near("1")), pin(2, near("2")), pin(3, d("c"))];
    const both = new Map([[near("1"), { schemaVersion: "2" }], [near("2"), { schemaVersion: "2" }], [d("c"), { schemaVersion: "2" }]]);
    expect(planRollback({ service: "api", env: "prod", to: `sha256:${near("1").slice(0, 13)}` }, twins, both).to.digest).toBe(near("1"));
    const ambiguous = refusal(() => planRollback({ service: "api", env: "prod", to: `sha256:${"ab".repeat(6)}` }, twins, both));
    expect(ambiguous.code).toBe("DIGEST_AMBIGUOUS");
    expect(ambiguous.message).toContain(`sha256:${near("1")}`);
    expect(ambiguous.message).toContain(`sha256:${near("2")}`);
    const tooShort = refusal(() => planRollback({ service: "api", env: "prod", to: "sha256:ababab" }, twins, both));
    expect(tooShort.code).toBe("USAGE");
    // the short form bunseal prints in its own refusal is accepted back
    const never = refusal(() => planRollback({ service: "api", env: "prod", to: d("f") }, history, contracts));
    const printed = /expected one of: (sha256:[0-9a-f]{12})/.exec(never.message)![1]!;
    expect(planRollback({ service: "api", env: "prod", to: printed, allowContractChange: true }, history, contracts).to.digest).toBe(d("a"));
  });

  test("shows the target's commit and what it ships (unknown kept, locked-only left out), so the same vulnerable package is seen", () => {
    const packages = [
      { name: "hono", version: "4.12.0", integrity: null, shipped: true },
      { name: "typescript", version: "5.9.0", integrity: null, shipped: false },
      { name: "zod", version: "4.1.0", integrity: null, shipped: null },
    ];
    const known = new Map<string, PlanArtifact>([...contracts, [d("b"), { schemaVersion: "2", commit: "f".repeat(40), packages }], [d("c"), { schemaVersion: "2", commit: "e".repeat(40), packages: [] }]]);
    const plan = planRollback({ service: "api", env: "prod" }, history, known);
    expect(plan.from.commit).toBe("e".repeat(40));
    expect(plan.to.commit).toBe("f".repeat(40));
    expect(plan.to.packages).toEqual([{ name: "hono", version: "4.12.0", shipped: true }, { name: "zod", version: "4.1.0", shipped: null }]);
  });
});
