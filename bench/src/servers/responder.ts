import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { answerMessage } from '@qianyue/wechatpay';
import { serveCommands } from '../support/child.ts';
import { platformSigner } from '../support/upstream.ts';

/*
 * The upstream WeChat Pay played by a PRE-SIGNED responder: every answer is signed ahead of time (and re-signed
 * every 20 s so the timestamp stays fresh), so the responder spends no RSA time per request and never becomes
 * the bottleneck of what is measured. Any POST/GET gets 200 {"presign_token": …}.
 */
const signer = platformSigner();
const body = JSON.stringify({ presign_token: `bench_${randomBytes(12).toString('hex')}` });
let headers: Record<string, string> = {};
let served = 0;
function resign() {
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'request-id': `bench-${nonce}`,
    'wechatpay-timestamp': ts,
    'wechatpay-nonce': nonce,
    'wechatpay-serial': signer.serialNo,
    'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
    'wechatpay-signature': signer.sign(answerMessage(ts, nonce, body)),
  };
}
resign();
setInterval(resign, 20_000).unref();

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    served++;
    res.writeHead(200, headers);
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  serveCommands({ served: () => ({ served }) }, { url: `http://127.0.0.1:${port}` });
});
