/** The verification policy: load a policy file, trust its signers, judge a statement by its rules. */
export { evaluatePolicy, policyPassed } from "./evaluate.ts";
export { loadPolicy, parsePolicy, type LoadedPolicy, type TrustedSigner } from "./load.ts";
export type { PolicyResult, SignerFacts } from "./result.ts";
export { PolicySchema, type Policy } from "./schema.ts";
export { policySigners, type PolicyIdentity } from "./signers.ts";
