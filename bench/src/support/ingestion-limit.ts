import { createDecipheriv, verify as cryptoVerify, type KeyObject, randomBytes } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import pg from 'pg';

/*
 * The INGESTION LIMIT (issue 13): raw verify + AES-GCM decrypt + JSON.parse, then exactly the product's durable
 * work in ONE transaction, in as few round trips as that allows: BEGIN; insert the inbox row unless the event
 * (envelope id, or event type + business key) is in; if it is new, ONE statement finds the contract (WeChat's
 * contract id, else the user's newest READY PENDING/EXPIRED contract on the plan), keeps it only if it is the
 * payload's user's (the product's identity check, also in SQL since the product does it there), moves it to
 * SIGNED (forward only) and writes the outcome on the inbox row; COMMIT. On PostgreSQL through the raw `pg` driver with named
 * prepared statements; on PGlite through the same database handle as the product (there is no other driver).
 * It works on its own copies of the tables (limit_inbox, limit_contracts) so both see every notification fresh.
 */
type Q = (name: string, text: string, values: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>;
type Runner = <T>(fn: (q: Q) => Promise<T>) => Promise<T>;

const INSERT = `insert into limit_inbox (id, envelope_id, event_type, business_key, family, kind, envelope, resource,
    serial, request_id, outcome, contract_id, received_at)
  values ($1, $2, $3, $4, 'edu-papay', 'signed', $5, $6, $7, null, 'unmatched', null, $8)
  on conflict do nothing returning id`;
const MOVE = `with picked as (
    select id, openid from (
      (select id, openid, 0 as target_rank from limit_contracts
        where family = 'edu-papay' and wechat_contract_id = $2)
      union all
      (select id, openid, 1 as target_rank from (
          select id, openid, wechat_contract_id from limit_contracts
          where openid = $3 and plan_key = $4 and state in ('PENDING', 'EXPIRED') and presign_status = 'READY'
          order by created_at desc, id desc limit 1) latest
        where wechat_contract_id is null)
    ) candidates
    order by target_rank limit 1),
  target as (select id from picked where openid = $3),
  moved as (
    update limit_contracts c set state = 'SIGNED', updated_at = $5, state_event_time = $6,
      wechat_contract_id = coalesce(c.wechat_contract_id, $2), signed_at = coalesce(c.signed_at, $6)
    where c.id = (select id from target)
      and (case c.state when 'PENDING' then 0 when 'EXPIRED' then 1 when 'SIGNED' then 2 when 'TERMINATED' then 3 end) < 2
    returning c.id)
  update limit_inbox set
    outcome = case when exists (select 1 from moved) then 'applied'
                   when exists (select 1 from target) then 'unchanged' else 'unmatched' end,
    contract_id = (select id from target)
  where id = $1
  returning outcome`;

function pgRunner(url: string): { run: Runner; close: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => {});
  return {
    async run(fn) {
      const client = await pool.connect();
      try {
        return await fn((name, text, values) => client.query({ name, text, values }));
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: any schema: only raw queries run through it
function kyselyRunner(db: Kysely<any>): { run: Runner; close: () => Promise<void> } {
  return {
    run: (fn) =>
      db.connection().execute((conn) =>
        fn(async (_name, text, values) => {
          const r = await conn.executeQuery(CompiledQuery.raw(text, values));
          return { rows: r.rows as Array<Record<string, unknown>> };
        }),
      ),
    close: async () => {},
  };
}

export function ingestionLimit(
  url: string,
  // biome-ignore lint/suspicious/noExplicitAny: any schema: only raw queries run through it
  db: Kysely<any>,
  keys: { publicKey: KeyObject; apiV3Key: Buffer },
): {
  run: (note: { headers: Record<string, string>; body: string }) => Promise<string>;
  close: () => Promise<void>;
} {
  const runner = url.startsWith('postgres') ? pgRunner(url) : kyselyRunner(db);
  return {
    close: runner.close,
    async run(note) {
      const h = note.headers;
      const m = `${h['wechatpay-timestamp']}\n${h['wechatpay-nonce']}\n${note.body}\n`;
      const sig = Buffer.from(h['wechatpay-signature'] as string, 'base64');
      if (!cryptoVerify('sha256', Buffer.from(m), keys.publicKey, sig)) throw new Error('bad signature');
      const env = JSON.parse(note.body) as {
        id: string;
        event_type: string;
        create_time: string;
        resource: { ciphertext: string; nonce: string; associated_data: string };
      };
      const data = Buffer.from(env.resource.ciphertext, 'base64');
      const d = createDecipheriv('aes-256-gcm', keys.apiV3Key, Buffer.from(env.resource.nonce), {
        authTagLength: 16,
      });
      d.setAuthTag(data.subarray(data.length - 16));
      d.setAAD(Buffer.from(env.resource.associated_data));
      const text = Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]).toString('utf8');
      const r = JSON.parse(text) as {
        openid: string;
        contract_information: { contract_id: string; create_time: string };
      };
      const now = new Date();
      const id = `n_${randomBytes(18).toString('base64url')}`;
      const contractId = r.contract_information.contract_id;
      return runner.run(async (q) => {
        await q('', 'begin', []);
        try {
          const ins = await q('limit_inbox_insert', INSERT, [
            id,
            env.id,
            env.event_type,
            contractId,
            note.body,
            text,
            h['wechatpay-serial'],
            now,
          ]);
          let outcome = 'duplicate';
          if (ins.rows.length > 0) {
            const moved = await q('limit_move', MOVE, [
              id,
              contractId,
              r.openid,
              'edu-monthly',
              now,
              new Date(env.create_time),
            ]);
            outcome = String(moved.rows[0]?.outcome);
          }
          await q('', 'commit', []);
          return outcome;
        } catch (err) {
          await q('', 'rollback', []);
          throw err;
        }
      });
    },
  };
}
