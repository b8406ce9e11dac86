/**
 * The measurement's predicate type alone, for code that only routes by it (verify's --predicate-type) and need not
 * load zod with predicate.ts. The same string as predicate.ts's MEASUREMENT_PREDICATE_TYPE (test/measure/verify-measurement.test.ts holds them equal).
 */
export const MEASUREMENT_PREDICATE_TYPE = "https://bunseal.dev/runtime-measurement/v1";
