/**
 * The signers file (`bunseal verify --signers FILE`): names for the key ids and
 * keyless identities people see in bunseal's output. A name is a label only:
 * it is looked up after a signature verified against the trust the command was
 * given, and never makes a signer trusted. Strict, as the policy is: a misspelt
 * field or a key id listed twice is refused, since either would show one name
 * where another was meant. JSON Schema: schemas/signers.schema.json (`bun run schemas`).
 */
import { z } from "../vendor/zod.js";

const name = z.string().trim().min(1).describe("what bunseal shows for this signer (a team, a pipeline, a person)");

export const KeySignerNameSchema = z.strictObject({
  name,
  keyId: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "the key id bunseal keygen and verify print: 64 lower-case hex")
    .describe("the signing key's id: sha256 of its public key (SPKI DER), as bunseal keygen prints it"),
});
export const IdentitySignerNameSchema = z.strictObject({
  name,
  identity: z.string().min(1).describe("the signing certificate's identity (subject alternative name), exactly"),
  issuer: z.string().min(1).describe("the certificate's OIDC issuer, exactly"),
});

export const SignersFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    signers: z.array(z.union([KeySignerNameSchema, IdentitySignerNameSchema])).min(1),
  })
  .superRefine((file, ctx) => {
    // one signer, one name: a second entry for the same key or identity would be a second answer
    const seen = new Map<string, number>();
    file.signers.forEach((signer, index) => {
      const key = "keyId" in signer ? `key ${signer.keyId}` : `identity ${JSON.stringify([signer.issuer, signer.identity])}`;
      const first = seen.get(key);
      if (first !== undefined) ctx.addIssue({ code: "custom", path: ["signers", index], input: signer, message: `a signer no earlier entry names (signers[${first}] names it already)` });
      else seen.set(key, index);
    });
  });

export type SignersFile = z.infer<typeof SignersFileSchema>;
