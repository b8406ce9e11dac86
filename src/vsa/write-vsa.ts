/**
 * The summary signed and written: DSSE over its canonical JSON, in a Sigstore
 * bundle, by the same signStatement a build signs provenance with (a key, or
 * keyless with Fulcio and Rekor), then written under a temporary name and
 * renamed, like every file bunseal writes.
 */
import type { Statement } from "../attest/statement.ts";
import { signStatement } from "../sign/sign-statement.ts";
import type { Signer } from "../sign/signer.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { sha256Hex } from "../util/digest.ts";
import type { VsaPredicate } from "./schema.ts";

export interface WrittenVsa {
  path: string;
  /** sha256 of the bundle file's bytes, as another summary's inputAttestations would name it */
  digest: string;
}

export async function writeVsa(statement: Statement<VsaPredicate>, signer: Signer, outPath: string): Promise<WrittenVsa> {
  const bundle = await signStatement(new TextEncoder().encode(canonicalJson(statement)), signer);
  const text = `${JSON.stringify(bundle, null, 2)}\n`;
  await writeFileAtomic(outPath, text);
  return { path: outPath, digest: `sha256:${sha256Hex(text)}` };
}
