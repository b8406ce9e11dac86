/**
 * diagnose() with builds made up by the test: an experiment that could not be
 * set up, or whose change could not be undone, tells nothing and stops the
 * experiments; it is never read as the build failing under a factor.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { makeTempDir } from "../helpers/testdir.ts";
import { plantedTars } from "../rebuild/planted.ts";
import { diagnose, type ExperimentBuild } from "../../src/diagnose/diagnose.ts";
import type { Factor } from "../../src/diagnose/factors.ts";

const factor = (name: string, kind: Factor["kind"]): Factor => ({ name, kind, change: {}, describe: name });

test("an experiment that could not be run stops the experiments and blames no factor", async () => {
  const reference = { files: new Map([["index.js", "a"]]), tarPath: "/nonexistent.tar" };
  const labels: string[] = [];
  const build: ExperimentBuild = async (label) => {
    labels.push(label);
    if (label === "repeat") return reference;
    return { error: "the checkout could not be put back after the experiment x: EBUSY", aborted: true };
  };
  const diagnosis = await diagnose({ differing: ["index.js"], reference, build, factors: [factor("timezone", "timezone"), factor("locale", "locale")], maxExperiments: 12 });
  expect(labels).toEqual(["repeat", "timezone+locale"]);
  expect(diagnosis.failures).toEqual([]);
  expect(diagnosis.confirmed).toEqual([]);
  expect(diagnosis.unexplained).toEqual(["index.js"]);
  expect(diagnosis.experiments.at(-1)).toEqual({ name: "timezone+locale", ran: "timezone; locale", showed: "could not be run: the checkout could not be put back after the experiment x: EBUSY; no further experiment was run", builds: 0 });
});

test("a build that fails under a factor is that factor's failure, with its error", async () => {
  const reference = { files: new Map([["index.js", "a"]]), tarPath: "/nonexistent.tar" };
  const build: ExperimentBuild = async (label) => (label.includes("timezone") ? { error: "BUILD_FAILED: bun build failed:\n  macro probe() threw Error: no builds here" } : reference);
  const diagnosis = await diagnose({ differing: ["index.js"], reference, build, factors: [factor("timezone", "timezone"), factor("locale", "locale")], maxExperiments: 12 });
  expect(diagnosis.failures.map((f) => [f.factor, f.kind])).toEqual([["timezone", "timezone"]]);
  expect(diagnosis.failures[0]!.experiment).toBe("the build fails when only this changes: timezone (and again in a build of it alone): BUILD_FAILED: bun build failed: macro probe() threw Error: no builds here");
  expect(diagnosis.confirmed).toEqual([]);
});

test("a file that changes run to run is searched only where enough unvaried builds agree: with the repeat alone it is not", async () => {
  await using dir = await makeTempDir("bunseal-diagnose-");
  const sample = async (name: string, value: string) => {
    const [tar] = await plantedTars({ "index.js": [`export const ID = "${value}";\n`, null] });
    const path = join(dir.path, `${name}.tar`);
    await Bun.write(path, tar);
    return { files: new Map([["index.js", value]]), tarPath: path };
  };
  const reference = await sample("reference", "12abc");
  const labels: string[] = [];
  let n = 0;
  const build: ExperimentBuild = async (label) => {
    labels.push(label);
    return sample(label, `12x${n++}yz`);
  };
  const diagnosis = await diagnose({ differing: ["index.js"], reference, build, factors: [factor("timezone", "timezone"), factor("locale", "locale")], maxExperiments: 12 });
  // no faketime here: the repeat is the one unvaried build, and "12" would read as stable though it is not
  expect(labels).toEqual(["repeat"]);
  expect(diagnosis.confirmed).toEqual([{ kind: "random", file: "index.js", hypothesis: true, experiment: "index.js byte 21 differs again in a second build of the same checkout; the clock could not be stopped to tell a time from a random value" }]);
});

test("a build that varies nothing and fails once is tried once more, and the failure is listed", async () => {
  const reference = { files: new Map([["index.js", "a"]]), tarPath: "/nonexistent.tar" };
  const labels: string[] = [];
  const build: ExperimentBuild = async (label) => {
    labels.push(label);
    if (label === "repeat" && labels.length === 1) return { error: "BUILD_FAILED: the build's processes did not end within 10 s of being killed" };
    return reference;
  };
  const diagnosis = await diagnose({ differing: ["index.js"], reference, build, factors: [factor("timezone", "timezone")], maxExperiments: 12 });
  expect(labels).toEqual(["repeat", "repeat", "timezone"]);
  expect(diagnosis.experiments.map((e) => [e.name, e.showed, e.builds])).toEqual([
    ["repeat", "the build failed: BUILD_FAILED: the build's processes did not end within 10 s of being killed; tried once more", 1],
    ["repeat", "every file came out the same", 1],
    ["timezone", "none of index.js changed", 1],
  ]);
});

test("a factor's build that failed once and builds when tried again is no failure of that factor", async () => {
  const reference = { files: new Map([["index.js", "a"]]), tarPath: "/nonexistent.tar" };
  let failedOnce = false;
  const build: ExperimentBuild = async (label) => {
    if (label === "timezone" && !failedOnce) {
      failedOnce = true;
      return { error: "BUILD_FAILED: the build's processes did not end within 10 s of being killed" };
    }
    return reference;
  };
  const diagnosis = await diagnose({ differing: ["index.js"], reference, build, factors: [factor("timezone", "timezone")], maxExperiments: 12 });
  expect(diagnosis.failures).toEqual([]);
  expect(diagnosis.experiments.at(-1)).toMatchObject({ name: "timezone-again", showed: "the build succeeded: the failure did not come again, so it is not put on this factor" });
});
