/**
 * What `bunseal measure` runs and judges an artifact by: the `run`, `load`
 * and `budgets` its build recorded in the signed statement
 * (externalParameters, src/attest/parameters.ts). Never the bunseal.json of
 * the directory measure is started in: the build did not read that one, and
 * whoever edits it would choose the budgets a release is judged by.
 */
import { BUILD_TYPE, ExternalParametersSchema } from "../attest/build-type.ts";
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import type { z } from "../vendor/zod.js";
import type { LoadSchema, RunSchema } from "../config/schema.ts";
import { BunsealError } from "../errors.ts";
import type { Verified } from "../verify/verify-bundle.ts";
import type { Budgets } from "./budgets.ts";

export interface RecordedRun {
  service: string;
  run: z.output<typeof RunSchema>;
  load?: z.output<typeof LoadSchema>;
  budgets: Budgets;
}

export function recordedRun(statement: Verified<Statement<ProvenanceV1>>, artifact: string): RecordedRun {
  const definition = statement.predicate.buildDefinition;
  if (definition.buildType !== BUILD_TYPE) {
    throw new BunsealError("RUN_NOT_RECORDED", `${artifact}: its provenance is of build type ${definition.buildType}, which records no way to run it; expected a bunseal build (${BUILD_TYPE}) whose bunseal.json has "run"`, { file: artifact, field: "predicate.buildDefinition.buildType", expected: BUILD_TYPE, found: definition.buildType });
  }
  // verify checked these against the build type's schema; parsed again for their types (and defaults)
  const external = ExternalParametersSchema.parse(definition.externalParameters);
  if (external.run === undefined) {
    throw new BunsealError("RUN_NOT_RECORDED", `${artifact}: its signed provenance records no "run", so there is nothing measure may start; add "run" to the service's bunseal.json and build again (a run in this directory's config is not what the artifact's build fixed)`, {
      file: artifact,
      field: "predicate.buildDefinition.externalParameters.run",
      expected: "run: {command, ready}",
      found: "nothing",
    });
  }
  return { service: external.service, run: external.run, ...(external.load ? { load: external.load } : {}), budgets: external.budgets ?? {} };
}
