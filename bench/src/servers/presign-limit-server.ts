import { sign as cryptoSign, verify as cryptoVerify, randomBytes } from 'node:crypto';
import http from 'node:http';
import { createDatabase, migrateToLatest } from '@qianyue/bff';
import { loadPrivateKey, loadPublicKey } from '@qianyue/wechatpay';
import pg from 'pg';
import { Pool } from 'undici';
import { fixtureText } from '../fixtures.ts';
import { serveCommands } from '../support/child.ts';
import { APP_ID, MCH_ID, PLAN_ID } from '../support/upstream.ts';
import { createProbe, createProfiler } from './probe.ts';

/*
 * The PRESIGN LIMIT (issue 13): a bare node:http route with the raw `pg` driver doing exactly the product's
 * durable work for a new user's presign, in as few round trips as its guarantees allow:
 *   1. before the WeChat call, ONE statement: the member number (existing or new) and
 *      the claim row (contracts, presign CREATING, guarded by "no SIGNED/PENDING contract on this plan" and the
 *      contracts_one_pending unique index), as a named prepared statement;
 *   2. the same sign (sync crypto.sign), loopback undici call to the pre-signed responder, verify and parse;
 *   3. after it, ONE statement storing the answer (presign READY, token, navigate, expires_at).
 * Same schema (the product's migrations), same pool size (10) as the BFF on PostgreSQL. What it leaves out on
 * purpose: the session lookup (the BFF serves it from a process-local cache: no database work), logging,
 * metrics, rate limiting, schema validation, the retry/busy/takeover paths (not taken by a new user).
 * Each request is a new user: the openid is random (the BFF run gets fresh sessions for the same reason).
 */
const upstream = process.env.BENCH_UPSTREAM as string;
const url = process.env.BENCH_DATABASE_URL as string;
const schema = createDatabase(url);
await migrateToLatest(schema);
await schema.destroy();

const db = new pg.Pool({ connectionString: url, max: 10 });
db.on('error', () => {});
const privateKey = loadPrivateKey(fixtureText('merchant/private-key.pem'));
const publicKey = loadPublicKey(fixtureText('platform/pubkey/public-key.pem'));
const serial = fixtureText('merchant/serial.txt').trim();
const pubId = fixtureText('platform/pubkey/id.txt').trim();
const http1 = new Pool(upstream, { connections: 16, keepAliveTimeout: 30_000 });
const urlPath = '/v3/edu-papay/contracts/presign';

const CLAIM = {
  name: 'limit_claim',
  text: `with existing as (select member_no from members where appid = $1 and openid = $2),
    ins as (insert into members (appid, openid, created_at) select $1, $2, $3 where not exists (select 1 from existing)
            on conflict do nothing returning member_no),
    m as (select member_no from existing union all select member_no from ins)
    insert into contracts (id, openid, plan_key, family, state, out_contract_code, display_account, presign_status,
                           claimed_at, period_start_date, created_at, updated_at, state_event_time)
    select $4, $2, $5, 'edu-papay', 'PENDING', $6, replace($7, '{member}', lpad(m.member_no::text, 6, '0')),
           'CREATING', $3, $8, $3, $3, $3
    from m
    where not exists (select 1 from contracts where openid = $2 and plan_key = $5 and state in ('SIGNED', 'PENDING'))
    on conflict do nothing
    returning display_account, period_start_date`,
};
const COMPLETE = {
  name: 'limit_complete',
  text: `update contracts set presign_status = 'READY', sign_token = $2, navigate = $3, expires_at = $4, updated_at = $5
    where id = $1`,
};

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const code32 = () => {
  const b = randomBytes(32);
  let s = '';
  for (const x of b) s += BASE62[x % 62];
  return s;
};

async function presign(openid: string, planKey: string) {
  const now = new Date();
  const id = `c_${randomBytes(18).toString('base64url')}`;
  const claim = await db.query<{ display_account: string; period_start_date: string }>({
    ...CLAIM,
    values: [APP_ID, openid, now, id, planKey, code32(), 'M{member}', '2030-01-01'],
  });
  const row = claim.rows[0];
  if (!row) throw new Error('not a new user');
  const payload = JSON.stringify({
    appid: APP_ID,
    openid,
    plan_id: PLAN_ID,
    user_id: row.display_account,
    period_start_date: row.period_start_date,
    trade_scene: 'EDUCATION_PERIOD',
  });
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const sig = cryptoSign(
    'sha256',
    Buffer.from(`POST\n${urlPath}\n${ts}\n${nonce}\n${payload}\n`),
    privateKey,
  ).toString('base64');
  const res = await http1.request({
    path: urlPath,
    method: 'POST',
    headers: {
      authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${MCH_ID}",nonce_str="${nonce}",signature="${sig}",timestamp="${ts}",serial_no="${serial}"`,
      'content-type': 'application/json',
      'wechatpay-serial': pubId,
    },
    body: payload,
  });
  const text = await res.body.text();
  const h = res.headers;
  const m = Buffer.from(`${h['wechatpay-timestamp']}\n${h['wechatpay-nonce']}\n${text}\n`);
  if (!cryptoVerify('sha256', m, publicKey, Buffer.from(String(h['wechatpay-signature']), 'base64')))
    throw new Error('bad answer signature');
  const token = (JSON.parse(text) as { presign_token: string }).presign_token;
  const navigate = JSON.stringify({
    appId: 'wxbd687630cd02ce1d',
    path: 'pages/index/index',
    extraData: { presign_token: token },
  });
  const expiresAt = new Date(now.getTime() + 600_000);
  await db.query({ ...COMPLETE, values: [id, token, navigate, expiresAt, new Date()] });
  return {
    contractId: id,
    reused: false,
    navigate: JSON.parse(navigate),
    expiresAt: expiresAt.toISOString(),
  };
}

const probe = createProbe();
let served = 0;
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const { planKey } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { planKey: string };
    presign(`oLimit${randomBytes(16).toString('base64url')}`, planKey).then(
      (reply) => {
        served++;
        const body = JSON.stringify(reply);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
      (err: Error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'LIMIT_FAILED', message: err.message }));
      },
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  serveCommands(
    {
      ...createProfiler(),

      reset: probe.reset,
      read: probe.read,
      memory: probe.memory,
      contracts: async () => {
        const r = await db.query<{ n: string }>(
          `select count(*) as n from contracts where openid like 'oLimit%' and presign_status = 'READY'`,
        );
        return { contracts: Number(r.rows[0]?.n), served };
      },
    },
    { url: `http://127.0.0.1:${port}` },
  );
});
process.on('SIGTERM', () => {
  server.close();
  void db.end().finally(() => process.exit(0));
});
