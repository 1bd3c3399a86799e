import type { PGlite } from '@electric-sql/pglite';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';

/*
 * A Kysely dialect for embedded PGlite (a tiny one, written here so it follows the installed pglite).
 * PGlite is ONE Postgres session, so the driver hands out its single connection to one user at a time:
 * a transaction keeps it until commit/rollback and everything else queues behind. That serialisation is
 * also what makes advisory locks trivially correct on PGlite; on real PostgreSQL the pool gives each
 * transaction its own session and the locks do the work.
 */
export function createPgliteDialect(o: {
  pglite: () => Promise<PGlite> | PGlite;
  closeOnDestroy?: boolean;
  /** Called once the database has been closed (create-database.ts gives its directory lock back). */
  onClosed?: () => void;
}): Dialect {
  return {
    createAdapter: (): DialectAdapter => new PostgresAdapter(),
    createDriver: (): Driver => new PgliteDriver(o.pglite, o.closeOnDestroy ?? true, o.onClosed),
    createIntrospector: (db: Kysely<unknown>): DatabaseIntrospector => new PostgresIntrospector(db),
    createQueryCompiler: (): QueryCompiler => new PostgresQueryCompiler(),
  };
}

class PgliteConnection implements DatabaseConnection {
  constructor(private readonly pg: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.pg.query<R>(query.sql, [...query.parameters], { rowMode: 'object' });
    const kind = query.query.kind;
    const changes =
      kind === 'InsertQueryNode' ||
      kind === 'UpdateQueryNode' ||
      kind === 'DeleteQueryNode' ||
      kind === 'MergeQueryNode';
    return {
      rows: result.rows,
      ...(changes && result.affectedRows !== undefined
        ? { numAffectedRows: BigInt(result.affectedRows) }
        : {}),
    };
  }

  // biome-ignore lint/correctness/useYield: streaming is not used by the BFF
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite dialect does not stream');
  }
}

class PgliteDriver implements Driver {
  private pg?: PGlite;
  private connection?: PgliteConnection;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly open: () => Promise<PGlite> | PGlite,
    private readonly closeOnDestroy: boolean,
    private readonly onClosed?: () => void,
  ) {}

  async init(): Promise<void> {
    this.pg = await this.open();
    await this.pg.waitReady;
    this.connection = new PgliteConnection(this.pg);
  }

  private releases = new WeakMap<DatabaseConnection, () => void>();

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = this.connection;
    if (!connection) throw new Error('PGlite driver is not initialised');
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.queue;
    this.queue = previous.then(() => mine);
    await previous;
    this.releases.set(connection, release);
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(raw('begin'));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(raw('rollback'));
  }
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const release = this.releases.get(connection);
    this.releases.delete(connection);
    release?.();
  }
  async destroy(): Promise<void> {
    if (this.pg && this.closeOnDestroy && !this.pg.closed) await this.pg.close();
    if (this.closeOnDestroy) this.onClosed?.();
  }
}

function raw(sql: string): CompiledQuery {
  return {
    sql,
    parameters: [],
    query: { kind: 'RawNode', sqlFragments: [sql], parameters: [] },
  } as unknown as CompiledQuery;
}
