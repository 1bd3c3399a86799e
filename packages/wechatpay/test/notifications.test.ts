import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ClockSkewError,
  type ContractEvent,
  createRsaVerifier,
  createStaticKeyResolver,
  DEFAULT_EVENT_TYPES,
  DecryptError,
  encryptResource,
  loadApiV3Key,
  loadPublicKey,
  NotificationFormatError,
  parseNotification,
  SignatureInvalidError,
  type Verifier,
} from '../src/index.ts';
import {
  apiV3KeyText,
  FIXTURES_DIR,
  fixedClock,
  fixtureJson,
  fixtureText,
  type NotificationFile,
  platformSerial,
  publicKeyId,
} from './fixtures.ts';

const names = readdirSync(path.join(FIXTURES_DIR, 'vectors/notifications'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -5))
  .sort();

const resolver = createStaticKeyResolver({
  keys: {
    [platformSerial()]: loadPublicKey(fixtureText('platform/cert.pem')),
    [publicKeyId()]: loadPublicKey(fixtureText('platform/pubkey/public-key.pem')),
  },
});
const verifier = createRsaVerifier(resolver);
const apiV3Key = loadApiV3Key(apiV3KeyText());
const wrongApiV3Key = Buffer.from('X'.repeat(32));

const load = (name: string) => fixtureJson<NotificationFile>(`vectors/notifications/${name}.json`);

function attempt(fn: () => ContractEvent): { event?: ContractEvent; error?: unknown } {
  try {
    return { event: fn() };
  } catch (error) {
    return { error };
  }
}

describe('notification vectors', () => {
  it('finds all six notification files', () => {
    expect(names.length).toBeGreaterThanOrEqual(6);
  });

  for (const name of names) {
    const n = load(name);
    const parse = (key = apiV3Key, v: Verifier = verifier) =>
      parseNotification(
        { headers: n.request.headers, body: n.request.body },
        { verifier: v, apiV3Key: key, clock: fixedClock(n.now) },
      );

    if (n.expect.signature === 'valid' && n.expect.timestamp === 'fresh' && n.expect.decrypt === 'ok') {
      it(`${name}: verifies, decrypts to plaintext_raw exactly and maps the event type`, () => {
        const event = parse();
        expect(event.plaintext).toBe(n.expect.plaintext_raw);
        expect(event.resource).toEqual(n.expect.plaintext);
        expect(event.serial).toBe(n.request.headers['Wechatpay-Serial']);
        const envelope = JSON.parse(n.request.body) as { event_type: string; id: string };
        expect(event.envelope.id).toBe(envelope.id);
        const mapped = DEFAULT_EVENT_TYPES[envelope.event_type];
        expect(mapped).toBeDefined();
        expect(event.family).toBe(mapped!.family);
        expect(event.kind).toBe(mapped!.kind);
      });
    } else if (n.expect.signature === 'invalid') {
      it(`${name}: rejected with SignatureInvalidError before any decryption (${n.expect.reason})`, () => {
        const r = attempt(() => parse());
        expect(r.event).toBeUndefined();
        expect(r.error).toBeInstanceOf(SignatureInvalidError);
        // With a wrong APIv3 key decryption would fail with DecryptError; getting the signature error
        // instead proves decryption is never attempted on an unverified body.
        const wrongKey = attempt(() => parse(wrongApiV3Key));
        expect(wrongKey.error).toBeInstanceOf(SignatureInvalidError);
        expect(wrongKey.error).not.toBeInstanceOf(DecryptError);
      });
    } else if (n.expect.timestamp === 'stale') {
      it(`${name}: rejected with ClockSkewError before any decryption (${n.expect.reason})`, () => {
        const r = attempt(() => parse(wrongApiV3Key));
        expect(r.error).toBeInstanceOf(ClockSkewError);
        expect((r.error as ClockSkewError).code).toBe('WECHATPAY_CLOCK_SKEW');
      });
      it(`${name}: the same delivery inside the window would verify (the signature itself is valid)`, () => {
        const ts = Number(n.request.headers['Wechatpay-Timestamp']);
        const r = attempt(() =>
          parseNotification(
            { headers: n.request.headers, body: n.request.body },
            { verifier, apiV3Key, clock: fixedClock(ts) },
          ),
        );
        expect(r.error).toBeUndefined();
        if (n.expect.plaintext_raw !== undefined) expect(r.event?.plaintext).toBe(n.expect.plaintext_raw);
      });
    } else if (n.expect.decrypt === 'fail') {
      it(`${name}: signature verifies but decryption fails with DecryptError (${n.expect.reason})`, () => {
        const calls: string[] = [];
        const recording: Verifier = {
          verify: (...a) => {
            calls.push('verify');
            verifier.verify(...a);
          },
        };
        const r = attempt(() => parse(apiV3Key, recording));
        expect(calls).toEqual(['verify']);
        expect(r.event).toBeUndefined();
        expect(r.error).toBeInstanceOf(DecryptError);
      });
    } else {
      it(`${name}: has an expectation this suite understands`, () => {
        expect.fail(`unhandled notification vector ${name}`);
      });
    }
  }
});

describe('parseNotification behaviour beyond the vectors', () => {
  const n = load('edu-papay-signed');
  const envelope = JSON.parse(n.request.body) as { event_type: string };

  it('returns family unknown for an event type outside the map, still verified and decrypted', () => {
    const event = parseNotification(
      { headers: n.request.headers, body: n.request.body },
      { verifier, apiV3Key, clock: fixedClock(n.now), eventTypes: {} },
    );
    expect(event.family).toBe('unknown');
    expect(event.plaintext).toBe(n.expect.plaintext_raw);
  });

  it('lets the event-type map be replaced in one place', () => {
    const q = load('qs-contract-signed');
    const qsType = (JSON.parse(q.request.body) as { event_type: string }).event_type;
    const event = parseNotification(
      { headers: q.request.headers, body: q.request.body },
      {
        verifier,
        apiV3Key,
        clock: fixedClock(q.now),
        eventTypes: { [qsType]: { family: 'password-exempt', kind: 'terminated' } },
      },
    );
    expect(event.family).toBe('password-exempt');
    expect(event.kind).toBe('terminated');
  });

  it('types the resource only when it matches its family: an edu resource mapped to password-exempt is refused', () => {
    expect(() =>
      parseNotification(
        { headers: n.request.headers, body: n.request.body },
        {
          verifier,
          apiV3Key,
          clock: fixedClock(n.now),
          eventTypes: { [envelope.event_type]: { family: 'password-exempt', kind: 'terminated' } },
        },
      ),
    ).toThrow(NotificationFormatError);
  });

  it('rejects a verified body that is not a notification envelope with NotificationFormatError', () => {
    const accepting: Verifier = { verify: () => {} };
    const headers = n.request.headers;
    for (const body of ['not json', '[]', '{"id":"x"}']) {
      expect(() =>
        parseNotification({ headers, body }, { verifier: accepting, apiV3Key, clock: fixedClock(n.now) }),
      ).toThrow(NotificationFormatError);
    }
  });

  it('rejects a resource whose algorithm is not AEAD_AES_256_GCM', () => {
    const accepting: Verifier = { verify: () => {} };
    const body = n.request.body.replace('AEAD_AES_256_GCM', 'AEAD_AES_128_GCM');
    expect(() =>
      parseNotification(
        { headers: n.request.headers, body },
        { verifier: accepting, apiV3Key, clock: fixedClock(n.now) },
      ),
    ).toThrow(NotificationFormatError);
  });

  it('rejects a decrypted resource that is not JSON with NotificationFormatError', () => {
    const accepting: Verifier = { verify: () => {} };
    const ciphertext = encryptResource({
      apiV3Key,
      nonce: 'ABCDEFGHIJKL',
      associatedData: 'x',
      plaintext: 'plain text',
    });
    const body = JSON.stringify({
      id: 'EV-1',
      create_time: '2024-05-01T10:05:01+08:00',
      event_type: 'ENTRUST.SIGNING',
      resource_type: 'encrypt-resource',
      resource: { algorithm: 'AEAD_AES_256_GCM', ciphertext, nonce: 'ABCDEFGHIJKL', associated_data: 'x' },
    });
    expect(() =>
      parseNotification(
        { headers: n.request.headers, body },
        { verifier: accepting, apiV3Key, clock: fixedClock(n.now) },
      ),
    ).toThrow(NotificationFormatError);
  });
});
