import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { TEST_IDS } from '@qianyue/sandbox/testing';
import { FIXTURES_DIR, TEST_ONLY_FILES } from './paths.ts';
import { E2E_SESSION_SECRET } from './stack.ts';

export function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : TEST_ONLY_FILES.has(name) ? [] : [p];
  });
}

export function totalBytes(files: string[]): number {
  return files.reduce((n, f) => n + statSync(f).size, 0);
}

/** Strings that must never ship to a user's device: key material, signing code, test secrets. */
export function forbiddenNeedles(): Array<{ what: string; needle: string }> {
  const read = (rel: string) => readFileSync(path.join(FIXTURES_DIR, rel), 'utf8');
  const needles: Array<{ what: string; needle: string }> = [
    { what: 'PEM marker', needle: '-----BEGIN' },
    { what: 'PEM marker', needle: '-----END' },
    { what: 'private key label', needle: 'PRIVATE KEY' },
    { what: 'APIv3 auth scheme (signing code)', needle: 'WECHATPAY2-SHA256' },
    { what: 'node:crypto signing', needle: 'createSign' },
    { what: 'node:crypto key loading', needle: 'createPrivateKey' },
    { what: 'RSA decryption', needle: 'privateDecrypt' },
    { what: 'AES-GCM decryption', needle: 'createDecipheriv' },
    { what: 'jscode2session secret exchange', needle: 'jscode2session' },
    { what: 'WeChat session key', needle: 'session_key' },
    { what: 'TypeBox runtime (types-only import broken)', needle: 'TypeBox.Kind' },
    { what: 'wechatpay package', needle: '@qianyue/wechatpay' },
    { what: 'fixture APIv3 key', needle: read('apiv3-key.txt').trim() },
    { what: 'sandbox mini-program AppSecret', needle: TEST_IDS.appSecret },
    { what: 'e2e BFF session secret', needle: E2E_SESSION_SECRET },
  ];
  // A slice of every fixture private key's base64 body: catches a key pasted without its PEM markers.
  for (const rel of [
    'merchant/private-key.pem',
    'platform/private-key.pem',
    'platform/pubkey/private-key.pem',
  ]) {
    const body = read(rel)
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'));
    for (const line of [body[1], body[Math.floor(body.length / 2)]]) {
      if (line) needles.push({ what: `fixture key ${rel}`, needle: line.slice(8, 40) });
    }
  }
  return needles;
}

export function findForbidden(files: string[], needles = forbiddenNeedles()) {
  const hits: Array<{ file: string; what: string }> = [];
  for (const f of files) {
    const text = readFileSync(f, 'latin1');
    const utf8 = readFileSync(f, 'utf8');
    for (const n of needles)
      if (text.includes(n.needle) || utf8.includes(n.needle)) hits.push({ file: f, what: n.what });
  }
  return hits;
}
