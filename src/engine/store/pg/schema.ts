/**
 * The store's tables, created and migrated by breyta itself on first use. Migrations are an
 * ordered list of SQL texts; `schema_version` holds one row per applied migration. Two
 * processes starting at once (two daemons, a daemon and a CLI) serialize on a transaction-level
 * advisory lock, so each migration runs exactly once and a reader never sees half a schema.
 * A store migrated by a newer breyta is refused rather than written with an older layout.
 *
 * Column choices: events are `json` (not `jsonb`) so an event reads back with its keys in the
 * order written, as the files store's lines do; kv values are text in the lossless EDN-as-JSON
 * encoding, like the SQLite kv store. Times that only breyta compares (kv expiry, webhook
 * windows) are epoch milliseconds; lease expiry uses the database's clock so machines with
 * skewed clocks agree on who holds a run.
 */
import {BreytaError} from '../../errors.js'
import type {Db} from './db.js'

/** `{s}` stands for the quoted schema name. Append only: never edit a migration that shipped. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE {s}.definitions (
    sha256 text PRIMARY KEY,
    text   text NOT NULL
  );
  CREATE TABLE {s}.runs (
    id               text PRIMARY KEY,
    flow             text NOT NULL,
    sha256           text NOT NULL REFERENCES {s}.definitions (sha256),
    status           text NOT NULL,
    snapshot         json,
    waiting          boolean NOT NULL DEFAULT false,
    cancel_requested boolean NOT NULL DEFAULT false,
    cancel_reason    text
  );
  CREATE INDEX runs_waiting ON {s}.runs (id) WHERE waiting;
  CREATE TABLE {s}.events (
    run   text NOT NULL REFERENCES {s}.runs (id) ON DELETE CASCADE,
    seq   integer NOT NULL CHECK (seq > 0),
    event json NOT NULL,
    PRIMARY KEY (run, seq)
  );
  CREATE TABLE {s}.leases (
    run        text PRIMARY KEY,
    holder     text NOT NULL,
    owner      json NOT NULL,
    expires_at timestamptz NOT NULL
  );
  CREATE TABLE {s}.inbox (
    run   text NOT NULL REFERENCES {s}.runs (id) ON DELETE CASCADE,
    key   text NOT NULL,
    n     bigserial,
    entry json NOT NULL,
    PRIMARY KEY (run, key)
  );
  CREATE TABLE {s}.queues (
    slug    text PRIMARY KEY,
    entries json NOT NULL
  );
  CREATE TABLE {s}.signals (
    run text PRIMARY KEY,
    at  timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE {s}.webhook_deliveries (
    id       text PRIMARY KEY,
    run      text NOT NULL,
    until_ms bigint NOT NULL
  );
  CREATE INDEX webhook_deliveries_until ON {s}.webhook_deliveries (until_ms);
  CREATE TABLE {s}.kv (
    namespace  text NOT NULL,
    key        text NOT NULL,
    value      text NOT NULL,
    expires_ms bigint,
    PRIMARY KEY (namespace, key)
  );
  CREATE INDEX kv_expires ON {s}.kv (expires_ms) WHERE expires_ms IS NOT NULL;
  CREATE TABLE {s}.resources (
    run          text NOT NULL,
    name         text NOT NULL,
    data         bytea NOT NULL,
    size         integer NOT NULL,
    content_type text NOT NULL,
    created_at   text NOT NULL,
    PRIMARY KEY (run, name)
  );
  CREATE TABLE {s}.callback_key (
    id  integer PRIMARY KEY CHECK (id = 1),
    key bytea NOT NULL
  );
  `,
  // 2: schedule watermarks (a tick is claimed by moving its mark forward: one daemon fires it);
  // unfinished runs found without reading every snapshot (a daemon's sweep).
  `
  CREATE TABLE {s}.schedule_marks (
    slug    text NOT NULL,
    trigger text NOT NULL,
    tick    text NOT NULL,
    PRIMARY KEY (slug, trigger)
  );
  CREATE INDEX runs_unfinished ON {s}.runs (id) WHERE status NOT IN ('completed', 'failed', 'cancelled');
  `,
]

/** Stores already migrated by this process (per URL and schema). */
const migrated = new Map<string, Promise<void>>()

/** Bring the store's schema up to date, once per process; safe against other processes doing the same. */
export function ensureSchema(db: Db): Promise<void> {
  const id = `${db.url}\u0000${db.schema}`
  let done = migrated.get(id)
  if (done === undefined) {
    done = upToDate(db).then((current) => (current ? undefined : migrate(db).then(() => undefined)))
    migrated.set(id, done)
    // A failure (server down) is not remembered: the next use tries again.
    done.catch(() => migrated.delete(id))
  }
  return done
}

/** One read, no lock: the common case (every command of every process) costs a single query. */
async function upToDate(db: Db): Promise<boolean> {
  return (await schemaVersion(db)) === MIGRATIONS.length
}

export async function migrate(db: Db): Promise<{from: number; to: number}> {
  const s = `"${db.schema}"`
  return db.tx(async (c) => {
    // Keyed by the schema name, so stores in other schemas of the database migrate independently.
    await c.query(`SELECT pg_advisory_xact_lock(hashtext('breyta.migrate'), hashtext($1))`, [db.schema])
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${s}`)
    await c.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
    const rows = (await c.query<{v: number | null}>(`SELECT max(version) AS v FROM ${s}.schema_version`)).rows
    const from = rows[0]?.v ?? 0
    if (from > MIGRATIONS.length) {
      throw new BreytaError(
        'storage_error',
        `the store at ${db.where} (schema ${db.schema}) has schema version ${from}; this breyta knows versions up to ${MIGRATIONS.length}`,
        {
          hint: 'Another machine runs a newer breyta against this store: upgrade breyta here before using the store.',
          details: {store: 'postgres', where: db.where, schema: db.schema, version: from, known: MIGRATIONS.length},
        },
      )
    }
    for (let v = from + 1; v <= MIGRATIONS.length; v++) {
      await c.query(MIGRATIONS[v - 1]!.replaceAll('{s}', s))
      await c.query(`INSERT INTO ${s}.schema_version (version) VALUES ($1)`, [v])
    }
    return {from, to: MIGRATIONS.length}
  })
}

/** The version a store is at (0 when never migrated). */
export async function schemaVersion(db: Db): Promise<number> {
  const exists = await db.query<{t: string | null}>('SELECT to_regclass($1)::text AS t', [`"${db.schema}".schema_version`])
  if (exists[0]?.t == null) return 0
  const rows = await db.query<{v: number | null}>(`SELECT max(version) AS v FROM "${db.schema}".schema_version`)
  return rows[0]?.v ?? 0
}
