/** `bun run schemas`: regenerate schemas/*.json from the zod schemas. */
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { PUBLISHED_SCHEMAS, renderSchema } from "./registry.ts";

const dir = join(import.meta.dir, "..", "..", "schemas");
for (const entry of PUBLISHED_SCHEMAS) {
  await writeFileAtomic(join(dir, entry.file), renderSchema(entry));
  console.log(`wrote schemas/${entry.file}`);
}
