import { TEST_IDS } from '@qianyue/sandbox/testing';
import { fixtureText, SESSION_SECRET } from '../../apps/bff/test/helpers/harness.ts';

export interface Secret {
  /** Safe to print: names the secret and the encoding, never its value. */
  name: string;
  value: string;
}

const encodings = (name: string, raw: string): Secret[] => [
  { name, value: raw },
  { name: `${name} (base64)`, value: Buffer.from(raw).toString('base64') },
  { name: `${name} (base64url)`, value: Buffer.from(raw).toString('base64url') },
  { name: `${name} (hex)`, value: Buffer.from(raw).toString('hex') },
];

/** A PEM private key leaks if any of its body lines, or its whole body joined, shows up. */
function pemSecrets(name: string, pem: string): Secret[] {
  const lines = pem.split('\n').filter((l) => l.length > 40 && !l.startsWith('-----'));
  return [
    ...lines.map((l, i) => ({ name: `${name} line ${i + 1}`, value: l })),
    { name: `${name} (body joined)`, value: lines.join('').slice(0, 200) },
  ];
}

/** Every secret of the fixture world: private keys, APIv3 key, app secret, session secret. */
export function fixtureSecrets(): Secret[] {
  return [
    ...pemSecrets('merchant private key', fixtureText('merchant/private-key.pem')),
    ...pemSecrets('platform certificate private key', fixtureText('platform/private-key.pem')),
    ...pemSecrets('platform public-key private key', fixtureText('platform/pubkey/private-key.pem')),
    ...encodings('APIv3 key', fixtureText('apiv3-key.txt').trim()),
    ...encodings('mini-program app secret', TEST_IDS.appSecret),
    ...encodings('session secret', SESSION_SECRET),
    { name: 'a PEM private key marker', value: 'PRIVATE KEY-----' },
  ];
}

/** Names (never values) of the secrets found in `text`. */
export function findSecrets(text: string, secrets: Secret[] = fixtureSecrets()): string[] {
  return secrets.filter((s) => text.includes(s.value)).map((s) => s.name);
}
