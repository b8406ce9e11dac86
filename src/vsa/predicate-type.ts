/** The VSA's predicate type alone, for code that only routes by it (src/vsa/detect.ts) and need not build the schema. */
export const VSA_PREDICATE_TYPE = "https://slsa.dev/verification_summary/v1";
