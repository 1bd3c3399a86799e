import { createHash } from 'node:crypto';
import pg from 'pg';

/**
 * Which SQL texts run as named prepared statements, process-wide. PostgreSQL then parses and plans a statement
 * once per connection instead of on every call (Kysely hands `pg` the SQL text each time, which `pg` sends as
 * an unnamed statement: Parse + plan per call, on a database that shares the machine's CPUs with everyone).
 *
 * Only texts that are safe to keep prepared across a rolling deploy:
 * - data statements (select / insert / update / delete / with), never transaction control or DDL;
 * - no `*` anywhere: a prepared `select *` / `returning *` fails with "cached plan must not change result
 *   type" once another replica's migration adds a column, while a statement that names its columns is simply
 *   re-planned by PostgreSQL;
 * - seen at least twice, and at most `max` distinct texts: a statement shape built from variable-length lists
 *   (`in (…)`, multi-row inserts) cannot make every connection hold an unbounded number of prepared plans.
 */
export function createStatementNames(max = 128) {
  const names = new Map<string, string>();
  const seen = new Map<string, number>();
  const DATA = /^\s*(select|insert|update|delete|with)\b/i;
  return (text: string): string | undefined => {
    const known = names.get(text);
    if (known) return known;
    if (names.size >= max || text.includes('*') || !DATA.test(text)) return undefined;
    const n = (seen.get(text) ?? 0) + 1;
    if (n < 2) {
      // Bounded like the names: a text seen once is forgotten when the list is full.
      if (seen.size >= 4 * max) seen.clear();
      seen.set(text, n);
      return undefined;
    }
    seen.delete(text);
    const name = `qy_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
    names.set(text, name);
    return name;
  };
}

/**
 * A `pg` client class for `pg.Pool({ Client })` that sends the texts `nameOf` names as named prepared
 * statements (`pg` prepares each name once per connection and reuses it). Every other query is unchanged.
 */
export function preparingClient(nameOf: (text: string) => string | undefined): typeof pg.Client {
  return class PreparingClient extends pg.Client {
    // biome-ignore lint/suspicious/noExplicitAny: pg's query() is heavily overloaded; this passes them through
    override query(config: any, values?: any, callback?: any): any {
      if (typeof config === 'string' && Array.isArray(values)) {
        const name = nameOf(config);
        if (name) return super.query({ name, text: config, values }, callback);
      }
      return super.query(config, values, callback);
    }
  };
}
