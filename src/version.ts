/** bunseal's own version, recorded in every statement's builder. Kept equal to package.json by a test. */
export const VERSION = "0.1.0";
