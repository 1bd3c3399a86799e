import { createDecipheriv, verify as cryptoVerify, randomBytes } from 'node:crypto';
import { buildApp, createDatabase, migrateToLatest } from '@qianyue/bff';
import {
  answerMessage,
  createRsaVerifier,
  createStaticKeyResolver,
  encryptResource,
  loadApiV3Key,
  loadPublicKey,
  parseNotification,
} from '@qianyue/wechatpay';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { fixtureText } from './fixtures.ts';
import type { Suite } from './harness.ts';
import { benchBffConfig } from './support/bff-config.ts';
import { ingestionLimit } from './support/ingestion-limit.ts';
import { startPostgres } from './support/postgres.ts';
import { APP_ID, MCH_ID, PLAN_ID, platformSigner } from './support/upstream.ts';

/*
 * Issue 8 row 4: notification ingestion — verify, decrypt, idempotent store — on PGlite (in memory) and on
 * PostgreSQL (a throwaway local cluster). "Ours" is exactly what the BFF's notify route runs after reading the
 * body: parseNotification + contracts.applyNotification (inbox insert-if-new + match + outcome, one
 * transaction). The notifications are edu-papay SIGNING events, each for a user whose contract is PENDING with
 * its sign link handed out, so they take the matched path (inbox row, contract → SIGNED, outcome 'applied').
 * Baseline (issue 13): the ingestion limit (support/ingestion-limit.ts) — raw verify + decrypt and the same
 * inbox insert and contract move in one transaction with raw `pg`. Reference: the old baseline, raw verify +
 * decipher + JSON.parse + ONE `insert … on conflict do nothing` (no contract move, no transaction).
 * Timed in WALL time (PostgreSQL works in another process), one notification at a time.
 * Duplicate-heavy: 9 of 10 deliveries repeat an already stored notification (WeChat retries).
 */

const LIMIT =
  'ingestion limit: raw verify + decipher, inbox insert + contract move in one transaction (raw pg)';

interface Note {
  headers: Record<string, string>;
  body: string;
  id: string;
  openid: string;
}

function makeNotes(n: number): Note[] {
  const signer = platformSigner();
  const apiV3Key = loadApiV3Key(fixtureText('apiv3-key.txt'));
  const notes: Note[] = [];
  const ts = String(Math.floor(Date.now() / 1000));
  for (let i = 0; i < n; i++) {
    const tag = randomBytes(9).toString('base64url');
    const openid = `oIngest${tag}`;
    const resource = JSON.stringify({
      mchid: MCH_ID,
      appid: APP_ID,
      openid,
      plan_id: PLAN_ID,
      contract_information: {
        contract_id: `BENCH${tag}`,
        contract_status: 'ADD',
        create_time: '2030-01-01T10:00:00+08:00',
      },
    });
    const nonce = randomBytes(6).toString('hex');
    const body = JSON.stringify({
      id: `EV-bench-${tag}`,
      create_time: '2030-01-01T10:00:01+08:00',
      resource_type: 'encrypt-resource',
      event_type: 'ENTRUST.SIGNING',
      summary: '签约成功',
      resource: {
        original_type: 'contract',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: encryptResource({ apiV3Key, nonce, associatedData: 'contract', plaintext: resource }),
        nonce,
        associated_data: 'contract',
      },
    });
    const hNonce = randomBytes(16).toString('hex');
    notes.push({
      openid,
      id: `EV-bench-${tag}`,
      body,
      headers: {
        'content-type': 'application/json',
        'wechatpay-timestamp': ts,
        'wechatpay-nonce': hNonce,
        'wechatpay-serial': signer.serialNo,
        'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
        'wechatpay-signature': signer.sign(answerMessage(ts, hNonce, body)),
      },
    });
  }
  return notes;
}

export async function ingestionSuites(): Promise<{ suites: Suite[]; teardown: () => Promise<void> }> {
  const quick = process.env.QUICK === '1';
  const batch = 100;
  const perVariant = quick ? 200 : 2_600; // ≥ (rounds + warm-up) × batch for the default 12 + 8 rounds
  const pg = startPostgres();
  const apiV3Key = loadApiV3Key(fixtureText('apiv3-key.txt'));
  const pubId = fixtureText('platform/pubkey/id.txt').trim();
  const publicKey = loadPublicKey(fixtureText('platform/pubkey/public-key.pem'));
  const verifier = createRsaVerifier(createStaticKeyResolver({ keys: { [pubId]: publicKey } }));
  const apps: FastifyInstance[] = [];
  const dbs: Array<{ destroy(): Promise<void> }> = [];
  const closers: Array<() => Promise<void>> = [];
  const suites: Suite[] = [];

  const targets: Array<{ label: string; url: string }> = [{ label: 'PGlite (memory)', url: 'memory://' }];
  if (pg) targets.push({ label: 'PostgreSQL (local)', url: pg.url });

  for (const t of targets) {
    const db = createDatabase(t.url);
    dbs.push(db);
    await migrateToLatest(db);
    await sql`create table if not exists bench_raw_inbox (envelope_id text primary key, business_key text not null, resource text not null)`.execute(
      db,
    );
    // The ingestion limit's own copies of the product's tables (same columns, indexes and constraints).
    await sql`create table if not exists limit_inbox (like notification_inbox including all)`.execute(db);
    await sql`create table if not exists limit_contracts (like contracts including all)`.execute(db);
    const config = await benchBffConfig({ upstream: 'http://127.0.0.1:9', databaseUrl: t.url });
    const app = await buildApp(config, { db, logStream: false });
    apps.push(app);
    const notes = makeNotes(perVariant);
    // Every note is about a contract whose sign link was handed out (PENDING, presign READY): the product's
    // matched path (inbox insert, find the contract, move it to SIGNED and record 'applied'), in both stores.
    for (const table of ['contracts', 'limit_contracts']) {
      for (let i = 0; i < notes.length; i += 500) {
        const chunk = notes.slice(i, i + 500);
        await sql`insert into ${sql.table(table)} (id, openid, plan_key, family, state, out_contract_code, display_account,
            presign_status, claimed_at, sign_token, navigate, period_start_date, created_at, updated_at, expires_at, state_event_time)
          values ${sql.join(
            chunk.map(
              (n) =>
                sql`(${`c_${randomBytes(18).toString('base64url')}`}, ${n.openid}, 'edu-monthly', 'edu-papay', 'PENDING',
                  ${randomBytes(16).toString('hex')}, 'M000001', 'READY', now(), 'tok', '{}', '2030-01-01', now(), now(),
                  now() + interval '1 hour', now())`,
            ),
          )}`.execute(db);
      }
    }

    const ours = async (note: Note) => {
      const event = parseNotification({ headers: note.headers, body: note.body }, { verifier, apiV3Key });
      return app.contracts.applyNotification(event, note.body);
    };
    const raw = async (note: Note) => {
      const h = note.headers;
      const m = `${h['wechatpay-timestamp']}\n${h['wechatpay-nonce']}\n${note.body}\n`;
      if (
        !cryptoVerify(
          'sha256',
          Buffer.from(m),
          publicKey,
          Buffer.from(h['wechatpay-signature'] as string, 'base64'),
        )
      )
        throw new Error('bad signature');
      const env = JSON.parse(note.body) as {
        id: string;
        resource: { ciphertext: string; nonce: string; associated_data: string };
      };
      const data = Buffer.from(env.resource.ciphertext, 'base64');
      const d = createDecipheriv('aes-256-gcm', apiV3Key, Buffer.from(env.resource.nonce), {
        authTagLength: 16,
      });
      d.setAuthTag(data.subarray(data.length - 16));
      d.setAAD(Buffer.from(env.resource.associated_data));
      const text = Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]).toString('utf8');
      const r = JSON.parse(text) as { contract_information: { contract_id: string } };
      await sql`insert into bench_raw_inbox (envelope_id, business_key, resource) values (${env.id}, ${r.contract_information.contract_id}, ${text}) on conflict do nothing`.execute(
        db,
      );
    };
    const limit = ingestionLimit(t.url, db, { publicKey, apiV3Key });
    if ((await ours(notes[0] as Note)) !== 'applied') throw new Error('expected the matched path');
    if ((await ours(notes[0] as Note)) !== 'duplicate') throw new Error('expected a duplicate');
    await raw(notes[0] as Note);
    if ((await limit.run(notes[0] as Note)) !== 'applied')
      throw new Error('limit: expected the matched path');
    if ((await limit.run(notes[0] as Note)) !== 'duplicate') throw new Error('limit: expected a duplicate');
    closers.push(limit.close);

    // Each variant walks the same list; the stores are separate tables, so each sees every note fresh once.
    const cursor = (f: (n: Note) => Promise<unknown>, dupEvery: number) => {
      let next = 1;
      let i = 0;
      return async (n: number) => {
        for (let k = 0; k < n; k++, i++) {
          // dupEvery = 10: one fresh note, then nine re-deliveries of earlier ones.
          if (dupEvery > 1 && i % dupEvery !== 0) await f(notes[1 + (i % Math.max(1, next - 1))] as Note);
          else await f(notes[next++ % notes.length] as Note);
        }
      };
    };
    suites.push({
      name: `notification ingestion on ${t.label}: verify + decrypt + inbox insert + contract move (one transaction), all new`,
      baseline: LIMIT,
      batch,
      timing: 'wall',
      variants: [
        { name: LIMIT, run: cursor(limit.run, 1) },
        { name: 'raw verify + decipher + JSON.parse + single insert', run: cursor(raw, 1) },
        { name: 'BFF parseNotification + contracts.applyNotification', run: cursor(ours, 1) },
      ],
    });
    suites.push({
      name: `notification ingestion on ${t.label}: duplicate-heavy (90 % re-deliveries)`,
      baseline: LIMIT,
      batch,
      timing: 'wall',
      variants: [
        { name: LIMIT, run: cursor(limit.run, 10) },
        { name: 'raw verify + decipher + JSON.parse + single insert', run: cursor(raw, 10) },
        { name: 'BFF parseNotification + contracts.applyNotification', run: cursor(ours, 10) },
      ],
    });
  }
  if (!pg) console.error('[bench] PostgreSQL binaries absent: the PostgreSQL ingestion rows are skipped');
  return {
    suites,
    teardown: async () => {
      for (const c of closers) await c();
      for (const a of apps) await a.close();
      for (const d of dbs) await d.destroy();
      pg?.stop();
    },
  };
}
