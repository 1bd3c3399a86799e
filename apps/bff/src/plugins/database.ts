import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import { createDatabase, migrateToLatest } from '../db/create-database.ts';
import type { Database } from '../db/database.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>;
  }
}

/** Opens the database (PGlite or PostgreSQL), migrates it under a lock, closes it with the app. */
export default fp(
  async (app, opts: { url: string; preparedStatements: boolean; db?: Kysely<Database> }) => {
    const db = opts.db ?? createDatabase(opts.url, { preparedStatements: opts.preparedStatements });
    try {
      await migrateToLatest(db);
    } catch (err) {
      if (!opts.db) await db.destroy().catch(() => {});
      throw err;
    }
    app.decorate('db', db);
    // An injected database belongs to the caller (tests share one across apps).
    if (!opts.db) app.addHook('onClose', async () => db.destroy());
  },
  { name: 'database' },
);
