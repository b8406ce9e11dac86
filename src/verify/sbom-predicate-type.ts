/**
 * build --sbom's predicate type (src/sbom/cyclonedx.ts's, not imported: that
 * module brings the inventory), in a module of its own so the verify command
 * can name it without loading the inventory or the verifier's schemas.
 * Signed by the same signer as the provenance, so it must never pass for it.
 * test/verify/sbom-not-provenance.test.ts holds it equal to cyclonedx.ts's.
 */
export const SBOM_PREDICATE_TYPE = "https://cyclonedx.org/bom";
