/**
 * bunseal's build type and default builder id, apart from the parameters'
 * schemas (src/attest/build-type.ts): most readers only ask whether a statement
 * claims bunseal's build type, and the schemas (with the config's build options
 * under them) are built only by a reader that checks the parameters (issue #23).
 */
export const BUILD_TYPE = "https://bunseal.dev/buildtypes/bun-build/v1";
export const DEFAULT_BUILDER_ID = "https://bunseal.dev/builders/local/v1";
