import { sign as cryptoSign } from 'node:crypto';
import { promisify } from 'node:util';
import {
  createRsaSigner,
  createRsaVerifier,
  createStaticKeyResolver,
  createWechatPayClient,
  type EduPresignRequest,
  loadPrivateKey,
  loadPublicKey,
} from '@qianyue/wechatpay';
import { Pool } from 'undici';
import { fixtureText } from './fixtures.ts';
import { median } from './harness.ts';
import { startChild } from './support/child.ts';
import { type RawSign, rawPresignCall, syncSign } from './support/raw-call.ts';
import { APP_ID, MCH_ID, PLAN_ID } from './support/upstream.ts';

/*
 * Issue 13: would RSA signing on the libuv pool (the callback form of crypto.sign) help the client? The same
 * outbound call as the outbound row (sign, undici keep-alive to the pre-signed loopback responder in a child
 * process, verify, parse) with the merchant signature made synchronously on the event loop (what the client
 * does) or with crypto.sign's callback (libuv thread pool), one call at a time and 16 at once. Wall-clock
 * throughput and per-call latency, median over interleaved rounds. Our client (sync) is shown for reference.
 */

const signAsync = promisify(cryptoSign);

export async function rsaPoolReport(o: { quick: boolean }): Promise<string> {
  const responder = await startChild('responder.ts');
  const base = responder.ready.url as string;
  const merchantSerial = fixtureText('merchant/serial.txt').trim();
  const pubId = fixtureText('platform/pubkey/id.txt').trim();
  const privateKey = loadPrivateKey(fixtureText('merchant/private-key.pem'));
  const publicKey = loadPublicKey(fixtureText('platform/pubkey/public-key.pem'));
  const resolver = createStaticKeyResolver({ keys: { [pubId]: publicKey } });
  const client = createWechatPayClient({
    baseUrl: base,
    signer: createRsaSigner({ mchId: MCH_ID, serialNo: merchantSerial, privateKey }),
    verifier: createRsaVerifier(resolver),
    resolver,
  });
  const pool = new Pool(base, { connections: 16, keepAliveTimeout: 30_000 });
  const body: EduPresignRequest = {
    appid: APP_ID,
    openid: 'oBench000000000000000000000',
    plan_id: PLAN_ID,
    user_id: 'QYbench0000000000',
    period_start_date: '2030-01-02',
    trade_scene: 'EDUCATION_PERIOD',
  };
  const raw = rawPresignCall({ pool, publicKey, merchantSerial, pubId, body });
  const onLoop = syncSign(privateKey);
  const onPool: RawSign = (message) => signAsync('sha256', message, privateKey);
  const rawCall = (pooled: boolean) => raw(pooled ? onPool : onLoop);

  const variants: Array<[string, () => Promise<unknown>]> = [
    ['undici + sync crypto.sign (event loop)', () => rawCall(false)],
    ['undici + callback crypto.sign (libuv pool)', () => rawCall(true)],
    ['@qianyue/wechatpay client (sync sign)', () => client.eduPapay.presign(body)],
  ];
  const expected = await rawCall(false);
  for (const [name, fn] of variants) {
    const token = ((await fn()) as string | { presign_token: string }) ?? '';
    if ((typeof token === 'string' ? token : token.presign_token) !== expected)
      throw new Error(`${name} differs`);
  }

  async function measure(fn: () => Promise<unknown>, concurrency: number, calls: number) {
    const latencies: number[] = [];
    let left = calls;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left-- > 0) {
          const s = performance.now();
          await fn();
          latencies.push(performance.now() - s);
        }
      }),
    );
    const wall = performance.now() - t0;
    latencies.sort((a, b) => a - b);
    return {
      opsPerSec: calls / (wall / 1000),
      p50: latencies[latencies.length >> 1] as number,
      p99: latencies[Math.floor(latencies.length * 0.99)] as number,
    };
  }

  const rounds = o.quick ? 2 : 10;
  const rows: string[] = [];
  try {
    for (const concurrency of [1, 16]) {
      const calls = (o.quick ? 40 : 300) * (concurrency === 1 ? 1 : 3);
      const per = new Map<string, { ops: number[]; p50: number[]; p99: number[] }>();
      for (let round = 0; round < 1 + rounds; round++) {
        // Rotating order, first round is warm-up.
        for (let i = 0; i < variants.length; i++) {
          const [name, fn] = variants[(i + round) % variants.length] as [string, () => Promise<unknown>];
          const r = await measure(fn, concurrency, calls);
          if (round === 0) continue;
          const acc = per.get(name) ?? { ops: [], p50: [], p99: [] };
          acc.ops.push(r.opsPerSec);
          acc.p50.push(r.p50);
          acc.p99.push(r.p99);
          per.set(name, acc);
        }
      }
      const baseOps = median(per.get(variants[0]?.[0] as string)?.ops ?? [1]);
      for (const [name] of variants) {
        const v = per.get(name) as { ops: number[]; p50: number[]; p99: number[] };
        rows.push(
          `| ${concurrency} | ${name} | ${Math.round(median(v.ops)).toLocaleString('en-US')} | ${(median(v.ops) / baseOps).toFixed(2)}× | ${median(v.p50).toFixed(2)} | ${median(v.p99).toFixed(2)} |`,
        );
      }
    }
  } finally {
    await client.close();
    await pool.close();
    await responder.stop();
  }
  return [
    `Wall clock, medians of ${rounds} interleaved rounds (after one warm-up round); ratio vs the sync row at the same concurrency.`,
    '',
    '| concurrent calls | variant | calls/s (wall) | ratio | p50 ms | p99 ms |',
    '|---:|---|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}
