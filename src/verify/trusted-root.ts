/**
 * The Sigstore trust anchors for keyless verification: a TrustedRoot (the CAs,
 * transparency logs, CT logs and timestamp authorities, each with the period
 * its key may be used), from a file the caller names, or else the public-good
 * production root that ships inside @sigstore/tuf as its TUF seed. Only the
 * seed's JSON is read: no TUF client runs and nothing is fetched, so
 * verification stays offline (the root is as fresh as the installed package).
 */
import type { TrustedRoot } from "@sigstore/protobuf-specs";
import { z } from "../vendor/zod.js";
import { BunsealError } from "../errors.ts";
import { describeIssues, formatProblems } from "../util/schema-issues.ts";
import { Bytes, dropNulls } from "./proto-json.ts";

const PRODUCTION_TUF_URL = "https://tuf-repo-cdn.sigstore.dev";
export const PRODUCTION_ROOT_NAME = `the Sigstore public-good root (@sigstore/tuf seed for ${PRODUCTION_TUF_URL})`;

const Time = z.iso.datetime({ offset: true });
// @sigstore/verify reads a missing start as 1970 and a missing end as forever.
// An open end is how the spec marks a key still in use; an open start is a
// malformed root, and accepting it would trust a key for times before it existed.
const ValidFor = z.strictObject({ start: Time, end: Time.optional() }).refine((v) => v.end === undefined || Date.parse(v.end) >= Date.parse(v.start), "a validity period whose end is not before its start");
const LogId = z.strictObject({ keyId: Bytes });
const Log = z.strictObject({
  baseUrl: z.string().min(1),
  hashAlgorithm: z.enum(["SHA2_256", "SHA2_384", "SHA2_512", "SHA3_256", "SHA3_384"]),
  publicKey: z.strictObject({ rawBytes: Bytes, keyDetails: z.string().min(1), validFor: ValidFor }),
  logId: LogId,
  checkpointKeyId: LogId.optional(),
  operator: z.string().optional(),
});
const Authority = z.strictObject({
  subject: z.strictObject({ organization: z.string().optional(), commonName: z.string().optional() }).optional(),
  uri: z.string().optional(),
  certChain: z.strictObject({ certificates: z.array(z.strictObject({ rawBytes: Bytes })).min(1) }),
  validFor: ValidFor,
  operator: z.string().optional(),
});
const TrustedRootSchema = z.strictObject({
  mediaType: z.enum(["application/vnd.dev.sigstore.trustedroot+json;version=0.1", "application/vnd.dev.sigstore.trustedroot.v0.2+json"]),
  tlogs: z.array(Log).default([]),
  certificateAuthorities: z.array(Authority).default([]),
  ctlogs: z.array(Log).default([]),
  timestampAuthorities: z.array(Authority).default([]),
});

export interface LoadedTrustedRoot {
  root: TrustedRoot;
  /** where it came from, for messages */
  name: string;
}

/** `source`: a path to TrustedRoot JSON, the JSON value itself, or nothing for the production root. */
export async function loadTrustedRoot(source?: string | Record<string, unknown>): Promise<LoadedTrustedRoot> {
  if (source === undefined) return toRoot(await productionRoot(), PRODUCTION_ROOT_NAME);
  if (typeof source !== "string") return toRoot(source, "the given trusted root");
  let json: unknown;
  try {
    json = JSON.parse(await Bun.file(source).text());
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === "ENOENT";
    throw new BunsealError(missing ? "INPUT_UNREADABLE" : "TRUSTED_ROOT_INVALID", `${source}: expected a Sigstore trusted root in JSON, ${missing ? "but there is no such file" : `got something that does not parse (${(cause as Error).message})`}`, { file: source, field: "--trusted-root", cause });
  }
  return toRoot(json, source);
}

async function toRoot(json: unknown, name: string): Promise<LoadedTrustedRoot> {
  const checked = TrustedRootSchema.safeParse(dropNulls(json), { reportInput: true });
  if (!checked.success) {
    const problems = describeIssues(checked.error.issues);
    throw new BunsealError("TRUSTED_ROOT_INVALID", `${name}: not a trusted root bunseal can rely on:\n${formatProblems(problems)}`, { file: name, field: problems[0]?.field, expected: problems[0]?.expected, found: problems[0]?.found });
  }
  const { TrustedRoot } = await import("@sigstore/protobuf-specs");
  return { root: TrustedRoot.fromJSON(checked.data), name };
}

async function productionRoot(): Promise<unknown> {
  // seeds.json is data, not code: importing it runs nothing of the TUF client.
  const seeds = (await import("@sigstore/tuf/seeds.json", { with: { type: "json" } })).default as Record<string, { targets?: Record<string, string> }>;
  const target = seeds[PRODUCTION_TUF_URL]?.targets?.["trusted_root.json"];
  if (!target) throw new BunsealError("TRUSTED_ROOT_INVALID", `the installed @sigstore/tuf has no trusted_root.json for ${PRODUCTION_TUF_URL} in its seed; expected one (reinstall, or pass --trusted-root FILE)`, { field: "--trusted-root" });
  return JSON.parse(Buffer.from(target, "base64").toString("utf8"));
}
