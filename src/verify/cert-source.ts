/**
 * Keyless: the Fulcio certificate's source extensions bound to the statement's
 * source, as slsa-verifier ties a GitHub certificate to its provenance and
 * `gh attestation verify` checks the source repository, ref and digest. The
 * certificate is what the CI's OIDC issuer vouched for about the workflow run
 * (which repository, at which commit and ref); the statement is what that run
 * wrote. An identity regexp names a workflow, not the source it ran on, so
 * without this a statement could claim another repository's commit than the
 * one the certificate was issued for. Each extension present is compared with
 * the statement's fact; a fact the statement does not record (a foreign
 * predicate with no source, a bunseal statement with no ref) has nothing to
 * contradict it.
 *
 * Bound: a statement of bunseal's build type, always (bunseal defines what its
 * source means); any other statement when the caller judges its source as
 * provenance (`--predicate-type https://slsa.dev/provenance/v1`, a policy). Not
 * otherwise: a Sigstore verifier accepts any predicate a workflow signed, and
 * the conformance suite's happy path is a beacon workflow's signature over
 * another repository's provenance.
 *
 * The OIDs are Fulcio's (docs/oid-info.md in sigstore/fulcio): from .8 on, each
 * value is a DER UTF8String; the deprecated GitHub-only .1–.6 hold the raw string.
 */
import { ASN1Obj } from "@sigstore/core";
import { BUILD_TYPE } from "../attest/build-type-uri.ts";
import type { ProvenanceV1 } from "../attest/slsa-provenance.ts";
import type { Statement } from "../attest/statement.ts";
import { statementFacts } from "../policy/facts.ts";
import { splitSourceUri } from "../source/uri.ts";
import type { Finding } from "./finding.ts";

type Fact = "uri" | "commit" | "ref";

const EXTENSIONS: readonly { oid: string; fact: Fact; what: string; der: boolean; value?: (raw: string) => string }[] = [
  { oid: "1.3.6.1.4.1.57264.1.3", fact: "commit", what: "GitHub workflow commit", der: false },
  { oid: "1.3.6.1.4.1.57264.1.5", fact: "uri", what: "GitHub workflow repository", der: false, value: (raw) => `https://github.com/${raw}` },
  { oid: "1.3.6.1.4.1.57264.1.6", fact: "ref", what: "GitHub workflow ref", der: false },
  { oid: "1.3.6.1.4.1.57264.1.12", fact: "uri", what: "source repository URI", der: true },
  { oid: "1.3.6.1.4.1.57264.1.13", fact: "commit", what: "source repository digest (commit)", der: true },
  { oid: "1.3.6.1.4.1.57264.1.14", fact: "ref", what: "source repository ref", der: true },
];

/** An extension as @sigstore/verify returns the verified signer's: its OID and the extnValue's bytes. */
export interface CertificateExtension {
  oid?: { id: readonly number[] };
  value: Uint8Array;
}

export function checkCertificateSource(extensions: readonly CertificateExtension[], statement: Statement<unknown>, options: { anyBuildType?: boolean } = {}): Finding[] {
  const buildType = (statement.predicate as { buildDefinition?: { buildType?: unknown } } | undefined)?.buildDefinition?.buildType;
  if (!options.anyBuildType && buildType !== BUILD_TYPE) return [];
  const source = statementFacts(statement as Statement<ProvenanceV1>).source;
  const findings: Finding[] = [];
  for (const known of EXTENSIONS) {
    const found = extensions.find((e) => e.oid?.id.join(".") === known.oid);
    if (!found) continue;
    const field = `certificate.extensions.${known.oid}`;
    const raw = readValue(found.value, known.der);
    if (raw === undefined) {
      // issued by a CA the trusted root vouches for, so this is the CA's defect: still a "no", never a skip
      findings.push({ code: "CERT_SOURCE_MISMATCH", field, message: `the signing certificate's ${known.what} cannot be read`, expected: known.der ? "a DER UTF8String" : "a UTF-8 string", found: "unreadable bytes" });
      continue;
    }
    const recorded = source[known.fact];
    if (recorded === undefined) continue;
    const certified = known.value ? known.value(raw) : raw;
    if (!same(known.fact, certified, recorded)) {
      findings.push({ code: "CERT_SOURCE_MISMATCH", field, message: `the signing certificate's ${known.what} is ${raw}, and the statement records ${recorded} at ${source.field[known.fact]}`, expected: raw, found: recorded });
    }
  }
  return findings;
}

function readValue(bytes: Uint8Array, der: boolean): string | undefined {
  try {
    const text = der ? utf8String(bytes) : new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return text === undefined || text === "" ? undefined : text;
  } catch {
    return undefined;
  }
}

const UTF8_STRING_TAG = 0x0c;

function utf8String(bytes: Uint8Array): string | undefined {
  const obj = ASN1Obj.parseBuffer(Buffer.from(bytes));
  if (obj.tag.class !== 0 || obj.tag.number !== UTF8_STRING_TAG || obj.tag.constructed) return undefined;
  return new TextDecoder("utf-8", { fatal: true }).decode(obj.value);
}

function same(fact: Fact, certified: string, recorded: string): boolean {
  if (fact === "commit") return certified.toLowerCase() === recorded.toLowerCase();
  if (fact === "ref") return certified === recorded;
  return repository(certified) === repository(recorded);
}

/**
 * A repository by host and path: `git+https://github.com/Acme/Service.git@refs/tags/v1`,
 * `ssh://git@github.com/acme/service` and `https://github.com/acme/service` are one.
 * Compared without case, as GitHub and GitLab resolve names.
 */
function repository(uri: string): string {
  const repo = splitSourceUri(uri.replace(/^git\+/, "")).repo;
  return repo
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, "")
    .replace(/^[^/@]*@/, "")
    .replace(/\/+$/, "")
    .replace(/\.git$/, "")
    .toLowerCase();
}
