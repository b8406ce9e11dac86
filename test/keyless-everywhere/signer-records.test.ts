/**
 * The store's record of who signed (migration 2), on both backends: a keyless
 * signer round-trips with no key, a key signer as before, a store written
 * before the migration reads its rows back as key-signed, and a record whose
 * signer contradicts its key columns is refused rather than stored.
 */
import { Database } from "bun:sqlite";
import { SQL } from "bun";
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { CREATE_MIGRATIONS_TABLE, LATEST_VERSION, MIGRATIONS, type Dialect } from "../../src/store/migrations.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { ArtifactRecord } from "../../src/store/store.ts";
import { rejection } from "../helpers/expect-error.ts";
import { dropPostgresDatabases } from "../helpers/postgres.ts";
import { STORE_BACKENDS } from "../helpers/store-backends.ts";
import { makeTempDir } from "../helpers/testdir.ts";
import { artifact, hex } from "../store/records.ts";

afterAll(() => dropPostgresDatabases());

const IDENTITY = "https://github.com/acme/api/.github/workflows/release.yml@refs/tags/v1.2.3";
const ISSUER = "https://token.actions.githubusercontent.com";

function keylessArtifact(tag: string): ArtifactRecord {
  return { ...artifact(tag), signer: { kind: "keyless", identity: IDENTITY, issuer: ISSUER }, signerKeyId: null, signerPublicKey: null, signerTrustedRoot: JSON.stringify({ mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1", tag }) };
}

/** A store as bunseal wrote it before migration 2: version 1's schema, and one key-signed artifact in it. */
async function version1Store(dialect: Dialect, spec: string, record: ArtifactRecord): Promise<void> {
  const columns = "digest, name, service, source_commit, source_uri, dirty, bun_version, lockfile_digest, schema_version, telemetry_contract, feature_flags, builder_id, signer_key_id, signer_public_key, built_at, built_at_ms, bundle, file_count, package_count";
  const values = [record.digest, record.name, record.service, record.commit, record.sourceUri, false, record.bunVersion, record.lockfileDigest, record.schemaVersion, record.telemetryContract, JSON.stringify(record.featureFlags), record.builderId, record.signerKeyId, record.signerPublicKey, record.builtAt, Date.parse(record.builtAt), record.bundle, 0, 0];
  const statements = [CREATE_MIGRATIONS_TABLE, ...MIGRATIONS[0]!.statements(dialect)];
  if (dialect === "sqlite") {
    const db = new Database(spec.slice("sqlite:".length), { create: true, strict: true });
    for (const s of statements) db.run(s);
    db.run("INSERT INTO schema_migrations (version, applied_at) VALUES (1, '2026-01-01T00:00:00Z')");
    db.run(`INSERT INTO artifacts (${columns}) VALUES (${values.map(() => "?").join(", ")})`, values as any[]);
    db.close();
    return;
  }
  // in the store's own schema, as postgres-store.ts keeps it
  const sql = new SQL(spec, { max: 1, connection: { search_path: "bunseal" } });
  try {
    await sql.unsafe("CREATE SCHEMA bunseal");
    for (const s of statements) await sql.unsafe(s);
    await sql.unsafe("INSERT INTO schema_migrations (version, applied_at) VALUES (1, '2026-01-01T00:00:00Z')");
    await sql.unsafe(`INSERT INTO artifacts (${columns}) VALUES (${values.map((_, i) => `$${i + 1}`).join(", ")})`, values);
  } finally {
    await sql.close();
  }
}

describe.each(STORE_BACKENDS)("the signer in the %s store", (name, makeStore) => {
  test("a keyless signer round-trips: identity and issuer, no key, the trusted root it was verified under", async () => {
    await using dir = await makeTempDir();
    const store = await openStore(await makeStore(dir.path));
    try {
      const record = { ...keylessArtifact("keyless"), files: [], packages: [] };
      await store.putArtifact(record);
      expect(await store.getArtifact(record.digest)).toEqual(record);
      const withFile = { ...keylessArtifact("with-file"), packages: [] };
      await store.putArtifact(withFile);
      const found = await store.findByFileDigest(withFile.files[0]!.digest);
      expect(found.map((f) => [f.signer, f.signerKeyId])).toEqual([[{ kind: "keyless", identity: IDENTITY, issuer: ISSUER }, null]]);
    } finally {
      await store.close();
    }
  });

  test("a key signer round-trips as before, with its key id in both places", async () => {
    await using dir = await makeTempDir();
    const store = await openStore(await makeStore(dir.path));
    try {
      const record = artifact("keyed");
      await store.putArtifact(record);
      expect(await store.getArtifact(record.digest)).toEqual(record);
      expect(record.signer).toEqual({ kind: "key", keyId: record.signerKeyId! });
    } finally {
      await store.close();
    }
  });

  test("rejects a record whose signer contradicts its key columns (a keyless signer with a key, a key signer with another key id)", async () => {
    await using dir = await makeTempDir();
    const store = await openStore(await makeStore(dir.path));
    try {
      const keylessWithKey = { ...artifact("bad-1"), signer: { kind: "keyless", identity: IDENTITY, issuer: ISSUER } } as ArtifactRecord;
      const otherKeyId = { ...artifact("bad-2"), signer: { kind: "key", keyId: hex("another key") } } as ArtifactRecord;
      const keylessNoIssuer = { ...keylessArtifact("bad-3"), signer: { kind: "keyless", identity: IDENTITY, issuer: "" } } as ArtifactRecord;
      for (const record of [keylessWithKey, otherKeyId, keylessNoIssuer]) {
        const error = await rejection(store.putArtifact(record));
        expect(error.code).toBe("STORE_INVALID");
        expect(error.message).toContain("expected a key signer with its key id and public key, or a keyless signer with an identity and issuer and no key");
        expect(await store.getArtifact(record.digest)).toBeUndefined();
      }
    } finally {
      await store.close();
    }
  });

  test("a store written before migration 2 is migrated on open, and its artifacts read back as key-signed", async () => {
    await using dir = await makeTempDir();
    const spec = await makeStore(dir.path);
    const old = { ...artifact("before-migration-2"), files: [], packages: [] };
    await version1Store(name === "sqlite" ? "sqlite" : "postgres", spec, old);
    const store = await openStore(spec);
    try {
      expect(await store.getArtifact(old.digest)).toEqual(old);
      await store.putArtifact(keylessArtifact("after"));
      expect((await store.getArtifact(keylessArtifact("after").digest))?.signer.kind).toBe("keyless");
    } finally {
      await store.close();
    }
    // the signer columns came with migration 2; later ones must keep them
    expect(LATEST_VERSION).toBeGreaterThanOrEqual(2);
  });
});
