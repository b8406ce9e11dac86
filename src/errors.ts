/**
 * The one error type of bunseal. Every failure a user can meet carries a stable
 * `code` (a public contract: CI scripts match on it) and a `kind` that the CLI
 * maps to an exit status in one place (src/cli/main.ts).
 */

/** What went wrong, in the terms of the exit status it earns. */
export type ErrorKind =
  /** the check ran and said no (exit 1) */
  | "rejected"
  /** bad input or usage (exit 2) */
  | "input"
  /** environment or external service (exit 3) */
  | "environment";

export const ERROR_CODES = {
  // exit 2: bad input or usage
  USAGE: "input",
  CONFIG_INVALID: "input",
  CONFIG_NOT_FOUND: "input",
  INPUT_UNREADABLE: "input",
  BUNDLE_INVALID: "input",
  ARCHIVE_INVALID: "input",
  KEY_INVALID: "input",
  LOCKFILE_INVALID: "input",
  SECRET_TOO_SHORT: "input",
  SOURCE_DIRTY: "input",
  SOURCE_NOT_GIT: "input",
  SOURCE_UNAVAILABLE: "input",
  /** a git object whose content does not hash to its id (rewritten in place), or a commit or tree that does not parse */
  SOURCE_CORRUPT: "input",
  /** the Bun version an attestation names is malformed or not published for this platform */
  BUN_VERSION_UNKNOWN: "input",
  /** a Bun older than bunseal's build worker runs on (Bun.build's metafile came in 1.3.6), pinned by the project or given with --bun */
  BUN_UNSUPPORTED: "input",
  /** the Bun passed with an override reports another version than the one asked for */
  BUN_VERSION_MISMATCH: "input",
  /** a verification policy file that is not JSON, has an unknown or missing field, or names a key that cannot be loaded */
  POLICY_INVALID: "input",
  /** a short digest (a prefix of at least 12 hex) that is the start of more than one digest: the message lists them */
  DIGEST_AMBIGUOUS: "input",
  /** a service or environment name (config, flag, or a signed statement) outside the one name pattern of src/config/names.ts */
  NAME_INVALID: "input",
  /** a path where a folder is expected names a file (or has a file among its parents) */
  NOT_A_DIRECTORY: "input",
  /** `bunseal init`: a bunseal.json is already there, and --force was not given */
  CONFIG_EXISTS: "input",
  /** `bunseal init`: no package.json script runs `bun build` (directly, chained, or through another script) */
  BUILD_SCRIPT_NOT_FOUND: "input",
  /** `build.compile` names another platform than the one building: its base executable would have to come from the network */
  COMPILE_TARGET_UNSUPPORTED: "input",
  /** a package.json on the way to the workspace root that is not JSON, or whose `workspaces` is not a list of folder globs */
  WORKSPACE_INVALID: "input",
  /** `build --workspace` in a folder whose package.json declares no workspaces, or a package that uses `workspace:` dependencies outside any workspace root listing it */
  WORKSPACE_ROOT_NOT_FOUND: "input",
  /** a variable the config's `env` lists (not marked optional) is not set where bunseal runs: the build would inline `undefined` */
  ENV_MISSING: "input",
  /** `bunseal measure`: the artifact's signed provenance records no `run` (built without one in bunseal.json, or before bunseal recorded it), so there is nothing measure may run */
  RUN_NOT_RECORDED: "input",
  /** `bunseal measure --env E`: the artifact E runs now is not found by its digest where measure looked (--artifacts DIR) */
  ARTIFACT_NOT_FOUND: "input",
  /** bunseal was started in a way that let Bun run project code (a bunfig.toml preload, --preload, BUN_OPTIONS) in its process first */
  UNSAFE_START: "input",
  // exit 1: the check ran and said no
  BUILD_FAILED: "rejected",
  /** a command of the config's `prebuild` (code generation, run in the sandbox before the bundle) did not exit 0: a build that failed, as BUILD_FAILED */
  PREBUILD_FAILED: "rejected",
  SECRET_IN_OUTPUT: "rejected",
  BUDGET_EXCEEDED: "rejected",
  /** a side-by-side measurement's ratio lies, with its whole 95 % interval, beyond 1 + budgets.regressionPct/100: refused by measure and by pin */
  BUDGET_REGRESSION: "rejected",
  /** `bunseal measure`: a start of the artifact crashed or never got ready (within --timeout) */
  START_FAILED: "rejected",
  /** `pin` of a service held to runtime budgets, with no verified measurement of the artifact against what the environment runs now */
  MEASUREMENT_MISSING: "rejected",
  VERIFY_FAILED: "rejected",
  SIGNATURE_INVALID: "rejected",
  SUBJECT_MISMATCH: "rejected",
  STATEMENT_INVALID: "rejected",
  /** a valid statement of another predicate type than the one verified: an SBOM attestation, a pin, given as the provenance */
  PREDICATE_TYPE_MISMATCH: "rejected",
  /** a keyless bundle's Fulcio certificate names another source repository, ref or commit than its statement records */
  CERT_SOURCE_MISMATCH: "rejected",
  EXPECTATION_FAILED: "rejected",
  /** the statement records a build that ran without its sandbox (kind "none", or no sandbox record at all), and that was not allowed (--allow-unsandboxed, a policy's sandbox.allow) */
  BUILD_UNSANDBOXED: "rejected",
  /** a policy's sandbox.network is false, and the statement records a build that had the network */
  BUILD_NETWORK: "rejected",
  // keyless verification (`verify --certificate-identity`): reason codes of a verify report
  /** the signing certificate does not chain to a trusted CA at the signing time, or lacks the required SCT */
  CERTIFICATE_INVALID: "rejected",
  /** a transparency-log entry does not match the bundle, or its inclusion (proof, checkpoint, promise) does not verify */
  TLOG_INVALID: "rejected",
  /** too few verified timestamps, or a timestamp that does not verify against a trusted authority */
  TIMESTAMP_INVALID: "rejected",
  /** the certificate verified, but names another identity or OIDC issuer than the one required */
  IDENTITY_MISMATCH: "rejected",
  /** the statement verified, but a rule of the verification policy said no */
  POLICY_FAILED: "rejected",
  /** a Verification Summary Attestation verified, but it records a FAILED verification */
  VSA_FAILED: "rejected",
  INSTALL_SCRIPTS_CHANGED: "rejected",
  NOT_REPRODUCIBLE: "rejected",
  NOT_FOUND: "rejected",
  PIN_DOWNGRADE: "rejected",
  PIN_CONFLICT: "rejected",
  PIN_REFUSED: "rejected",
  ROLLBACK_REFUSED: "rejected",
  /** a pin row of the store is not what its bundle signs (a field edited in the database), or not signed by a key given: rollback and pins refuse to act on it */
  PIN_ROW_INVALID: "rejected",
  // exit 3: the machine or a service around it
  GIT_FAILED: "environment",
  /**
   * no sandbox can run on this machine (bubblewrap missing, or the kernel, AppArmor or the container refuse its
   * namespaces): build, rebuild and check stop before any project code runs; the message names this machine's fix
   */
  SANDBOX_UNAVAILABLE: "environment",
  BUN_FAILED: "environment",
  /** the npm registry could not be reached, answered with an error, or served something that is not a Bun package */
  BUN_REGISTRY_FAILED: "environment",
  /**
   * a downloaded Bun does not match the registry's sha512 integrity, or the registry gave none.
   * Exit 3, not 1: the toolchain delivery failed, not the artifact; a rebuild that said
   * "not reproducible" here would blame the release for a broken or tampered download.
   */
  BUN_INTEGRITY_MISMATCH: "environment",
  /** no Bun is published for this operating system and CPU */
  BUN_PLATFORM_UNSUPPORTED: "environment",
  IO_FAILED: "environment",
  /** a file the CI reads the step's results from (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GitLab's BUNSEAL_DOTENV) cannot be written; build checks before it builds */
  CI_OUTPUT_UNWRITABLE: "environment",
  /** a child process (the build, git, bun install) ran past the hard limit of `--timeout` and was stopped */
  TIMED_OUT: "environment",
  /** the recorded source (a remote URL) could not be cloned: the network or the host, not the artifact */
  CLONE_FAILED: "environment",
  /** the trace of what the build read could not be completed (the kernel dropped events); nothing is signed on a partial record */
  TRACE_INCOMPLETE: "environment",
  STORE_FAILED: "environment",
  STORE_INVALID: "input",
  /** a Sigstore trusted root that is not JSON, has an unknown or missing field, or leaves a validity period open at its start */
  TRUSTED_ROOT_INVALID: "input",
  /** `deps verify --offline` found an answer missing from its cache */
  DEPS_OFFLINE_MISS: "environment",
  INSTALL_FAILED: "environment",
  // keyless signing (`build --keyless`)
  /**
   * no OIDC token from any source. Exit 3, not 2: the command is right, the machine it runs on
   * has no identity to give (a CI job without `id-token: write`, or a laptop).
   */
  IDENTITY_TOKEN_MISSING: "environment",
  /** the CI's token endpoint could not be reached or refused to issue a token */
  IDENTITY_TOKEN_FAILED: "environment",
  /** a token was found but is not a JWT naming an issuer and an identity */
  IDENTITY_TOKEN_INVALID: "input",
  /** Fulcio could not be reached or would not issue a certificate for the token */
  FULCIO_FAILED: "environment",
  /** Rekor could not be reached or would not log the signature */
  REKOR_FAILED: "environment",
  /** the timestamp authority could not be reached or would not timestamp the signature */
  TSA_FAILED: "environment",
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetails {
  /** the file the problem is in, relative to the project where possible */
  file?: string;
  /** a field path inside that file, e.g. `build.minify` or `entrypoints[1]` */
  field?: string;
  /** what bunseal expected to find */
  expected?: string;
  /** what it found instead */
  found?: string;
  cause?: unknown;
}

export class BunsealError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly field?: string;
  readonly expected?: string;
  readonly found?: string;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "BunsealError";
    this.code = code;
    this.file = details.file;
    this.field = details.field;
    this.expected = details.expected;
    this.found = details.found;
  }

  get kind(): ErrorKind {
    return ERROR_CODES[this.code];
  }

  /** The plain JSON form used by `--json` output. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.file !== undefined) out.file = this.file;
    if (this.field !== undefined) out.field = this.field;
    if (this.expected !== undefined) out.expected = this.expected;
    if (this.found !== undefined) out.found = this.found;
    return out;
  }
}

export function isBunsealError(value: unknown): value is BunsealError {
  return value instanceof BunsealError;
}

/** Short description of a value for "expected X, got Y" messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}
