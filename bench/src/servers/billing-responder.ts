import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { answerMessage } from '@qianyue/wechatpay';
import { serveCommands } from '../support/child.ts';
import { APP_ID, MCH_ID, platformSigner } from '../support/upstream.ts';

/*
 * WeChat Pay's edu-papay billing calls, as the billing benchmark needs them and nothing more: the pre-debit
 * notice and the debit answer 204, the order query by out_trade_no answers SUCCESS for that number. Every
 * answer is signed with the platform key at the BILLING clock (the BFF under test checks the answer's
 * timestamp against its own moved clock), so the parent sets the offset with the `offset` command.
 * It counts the requests it served per WALL-CLOCK second: that is what WeChat's rate limit counts, and what
 * the fleet-wide budget must keep under its limit.
 */
const signer = platformSigner();
let offset = 0;
const perSecond = new Map<number, number>();
const byKind = { notice: 0, debit: 0, query: 0, other: 0 };

function answer(res: http.ServerResponse, status: number, body: string) {
  const ts = String(Math.floor(Date.now() / 1000) + offset);
  const nonce = randomBytes(16).toString('hex');
  res.writeHead(status, {
    ...(body ? { 'content-type': 'application/json' } : {}),
    'content-length': String(Buffer.byteLength(body)),
    'request-id': `bench-${nonce}`,
    'wechatpay-timestamp': ts,
    'wechatpay-nonce': nonce,
    'wechatpay-serial': signer.serialNo,
    'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
    'wechatpay-signature': signer.sign(answerMessage(ts, nonce, body)),
  });
  res.end(body);
}

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const second = Math.floor(Date.now() / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    const url = req.url ?? '';
    const order = /\/v3\/edu-papay\/transactions\/out-trade-no\/([^/?]+)/.exec(url);
    if (req.method === 'GET' && order) {
      byKind.query++;
      answer(
        res,
        200,
        JSON.stringify({
          mchid: MCH_ID,
          appid: APP_ID,
          out_trade_no: decodeURIComponent(order[1]!),
          transaction_id: `4200${randomBytes(12).toString('hex')}`,
          trade_state: 'SUCCESS',
          trade_state_description: '支付成功',
          amount: { total: 9900, currency: 'CNY' },
        }),
      );
      return;
    }
    if (req.method === 'POST' && url.includes('/user-notifications/')) byKind.notice++;
    else if (req.method === 'POST' && url.startsWith('/v3/edu-papay/transactions')) byKind.debit++;
    else byKind.other++;
    answer(res, 204, '');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  serveCommands(
    {
      offset: (m) => {
        offset = Number(m.seconds);
        return {};
      },
      reset: () => {
        perSecond.clear();
        for (const k of Object.keys(byKind)) byKind[k as keyof typeof byKind] = 0;
        return {};
      },
      // Whole seconds only: the first and last seconds of a window are partial.
      stats: () => ({ perSecond: [...perSecond.entries()].sort((a, b) => a[0] - b[0]), byKind }),
    },
    { url: `http://127.0.0.1:${port}` },
  );
});
