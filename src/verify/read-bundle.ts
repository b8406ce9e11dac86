/**
 * Verify stage `parse`: read a Sigstore bundle from disk and check its shape
 * before any cryptography, so a malformed bundle fails with a reason instead of
 * somewhere deep inside a library.
 */
import type { Bundle } from "@sigstore/bundle";
import { z } from "zod";
import { DsseEnvelopeSchema } from "../attest/dsse.ts";
import { BunsealError } from "../errors.ts";
import { describeIssues, formatProblems } from "../util/schema-issues.ts";

const BUNDLE_MEDIA_TYPES = [
  "application/vnd.dev.sigstore.bundle+json;version=0.1",
  "application/vnd.dev.sigstore.bundle+json;version=0.2",
  "application/vnd.dev.sigstore.bundle+json;version=0.3",
  "application/vnd.dev.sigstore.bundle.v0.3+json",
];

const BundleShapeSchema = z.looseObject({
  mediaType: z.enum(BUNDLE_MEDIA_TYPES as [string, ...string[]]),
  verificationMaterial: z.looseObject({}),
  dsseEnvelope: DsseEnvelopeSchema.optional(),
  messageSignature: z.looseObject({}).optional(),
});

export interface ParsedBundle {
  bundle: Bundle;
  /** the JSON as read, for digests and display */
  json: Record<string, unknown>;
  bytes: Uint8Array;
}

export async function readBundle(path: string): Promise<ParsedBundle> {
  let bytes: Uint8Array;
  try {
    bytes = await Bun.file(path).bytes();
  } catch (cause) {
    throw new BunsealError("INPUT_UNREADABLE", `${path}: cannot read the bundle (${(cause as Error).message}); expected a Sigstore bundle file (pass --bundle)`, { file: path, expected: "a readable bundle file", cause });
  }
  return parseBundle(bytes, path);
}

export async function parseBundle(bytes: Uint8Array, file: string): Promise<ParsedBundle> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new BunsealError("BUNDLE_INVALID", `${file}: expected a Sigstore bundle in JSON, got text that does not parse (${(cause as Error).message})`, { file, field: "(top level)", expected: "JSON", cause });
  }
  const shape = BundleShapeSchema.safeParse(json, { reportInput: true });
  if (!shape.success) {
    const problems = describeIssues(shape.error.issues);
    throw new BunsealError("BUNDLE_INVALID", `${file}: not a Sigstore bundle this version can read:\n${formatProblems(problems)}`, { file, field: problems[0]?.field, expected: problems[0]?.expected, found: problems[0]?.found });
  }
  if ((shape.data.dsseEnvelope === undefined) === (shape.data.messageSignature === undefined)) {
    throw new BunsealError("BUNDLE_INVALID", `${file}: expected exactly one of dsseEnvelope or messageSignature`, { file, field: "content", expected: "one signed content" });
  }
  const { bundleFromJSON } = await import("@sigstore/bundle");
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (cause) {
    throw new BunsealError("BUNDLE_INVALID", `${file}: the bundle is malformed: ${(cause as Error).message}`, { file, expected: "a well-formed Sigstore bundle", cause });
  }
  return { bundle, json: json as Record<string, unknown>, bytes };
}
