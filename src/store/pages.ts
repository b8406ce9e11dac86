/**
 * Pages over the store's paged lookups: `{ items, nextCursor }`, where
 * `nextCursor` (null on the last page) is handed back as `after` / `before`
 * for the next page. One row more than the page is read, so the last page
 * says it is the last without another query.
 */
import { artifactCursor, checkLimit, packageCursor } from "./cursor.ts";
import type { ArtifactFilter, ArtifactSummary, PackageMatch, PackageQuery, Store } from "./store.ts";

export interface Page<T> {
  items: T[];
  /** the cursor of the next page; null when this one is the last */
  nextCursor: string | null;
}

export async function packagePage(store: Store, name: string, version: string | readonly string[] | undefined, query: PackageQuery & { limit: number }): Promise<Page<PackageMatch>> {
  const limit = checkLimit(query.limit)!;
  const rows = await store.findByPackage(name, version, { ...query, limit: limit + 1 });
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  // the stored build time is Date.parse of this same text (rows.ts), so the cursor names the row exactly
  return { items, nextCursor: rows.length > limit && last ? packageCursor({ builtAtMs: Date.parse(last.builtAt), digest: last.digest, version: last.packageVersion }) : null };
}

export async function artifactPage(store: Store, filter: ArtifactFilter & { limit: number }): Promise<Page<ArtifactSummary>> {
  const limit = checkLimit(filter.limit)!;
  const rows = await store.listArtifacts({ ...filter, limit: limit + 1 });
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? artifactCursor({ builtAtMs: Date.parse(last.builtAt), digest: last.digest }) : null };
}
