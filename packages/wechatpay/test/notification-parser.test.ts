import { generateKeyPairSync } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  answerMessage,
  type ContractEvent,
  createNotificationParser,
  createRsaSigner,
  createRsaVerifier,
  createStaticKeyResolver,
  type EventTypeMap,
  encryptResource,
  loadApiV3Key,
  loadPublicKey,
  NotificationFormatError,
  parseNotification,
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

/*
 * createNotificationParser compiles the resource schemas once; parseNotification walks them per call. Both
 * must give the same event or the same error for every input: the vectors, and signed notifications whose
 * decrypted resource is right, wrong or borderline for its family's schema.
 */

const apiV3Key = loadApiV3Key(apiV3KeyText());

function outcome(parse: () => ContractEvent): unknown {
  try {
    return { event: parse() };
  } catch (err) {
    const e = err as { constructor: { name: string }; code?: string; message: string; requestId?: string };
    return { error: e.constructor.name, code: e.code, message: e.message, requestId: e.requestId };
  }
}

describe('createNotificationParser agrees with parseNotification on every vector', () => {
  const verifier = createRsaVerifier(
    createStaticKeyResolver({
      keys: {
        [platformSerial()]: loadPublicKey(fixtureText('platform/cert.pem')),
        [publicKeyId()]: loadPublicKey(fixtureText('platform/pubkey/public-key.pem')),
      },
    }),
  );
  const dir = path.join(FIXTURES_DIR, 'vectors/notifications');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    it(file, () => {
      const n = fixtureJson<NotificationFile>(`vectors/notifications/${file}`);
      const req = { headers: n.request.headers, body: n.request.body };
      const o = { verifier, apiV3Key, clock: fixedClock(n.now) };
      const once = outcome(() => parseNotification(req, o));
      expect(outcome(() => createNotificationParser(o).parse(req))).toStrictEqual(once);
    });
  }
});

describe('the compiled resource check refuses and accepts exactly what the interpreted one does', () => {
  // A platform key of our own, so any resource can be wrapped in a genuinely signed notification.
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signer = createRsaSigner({
    mchId: '1',
    serialNo: 'PUB_KEY_ID_PARSER',
    privateKey: platform.privateKey,
  });
  const verifier = createRsaVerifier(
    createStaticKeyResolver({ keys: { PUB_KEY_ID_PARSER: platform.publicKey } }),
  );
  const now = 1_714_530_301;
  const eventTypes: EventTypeMap = {
    'ENTRUST.SIGNING': { family: 'edu-papay', kind: 'signed' },
    'ENTRUST.TERMINATE': { family: 'password-exempt', kind: 'terminated' },
  };
  const o = { verifier, apiV3Key, clock: fixedClock(now), eventTypes };
  const parser = createNotificationParser(o);

  function signedNotification(eventType: string, resource: unknown) {
    const nonce = 'ABCDEFGHIJKL';
    const ciphertext = encryptResource({
      apiV3Key,
      nonce,
      associatedData: 'contract',
      plaintext: JSON.stringify(resource),
    });
    const body = JSON.stringify({
      id: 'EV-PARSER-1',
      create_time: '2024-05-01T10:05:01+08:00',
      event_type: eventType,
      resource_type: 'encrypt-resource',
      resource: { algorithm: 'AEAD_AES_256_GCM', ciphertext, nonce, associated_data: 'contract' },
    });
    const ts = String(now);
    const headerNonce = 'n0nce0000000000000000000000000001';
    return {
      body,
      headers: {
        'wechatpay-timestamp': ts,
        'wechatpay-nonce': headerNonce,
        'wechatpay-serial': 'PUB_KEY_ID_PARSER',
        'wechatpay-signature': signer.sign(answerMessage(ts, headerNonce, body)),
        'request-id': 'REQ-PARSER-1',
      },
    };
  }

  const edu = {
    sp_mchid: '1900000109',
    appid: 'wxd678efh567hg6787',
    openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    plan_id: '101164396123311331',
    contract_information: {
      contract_id: 'Wx15463511252015071056489715',
      contract_status: 'ADD',
      create_time: '2024-05-01T10:04:58+08:00',
    },
  };
  const passwordExempt = { mchid: '1900000109', out_contract_code: 'QY-1', service_id: 500001 };
  const cases: Array<[string, string, unknown, 'accepted' | 'refused']> = [
    ['edu resource', 'ENTRUST.SIGNING', edu, 'accepted'],
    ['edu resource with a field WeChat added', 'ENTRUST.SIGNING', { ...edu, new_field: 1 }, 'accepted'],
    ['edu resource without appid', 'ENTRUST.SIGNING', { ...edu, appid: undefined }, 'refused'],
    ['edu plan_id as a number', 'ENTRUST.SIGNING', { ...edu, plan_id: 101 }, 'refused'],
    [
      'edu contract_status outside ADD/DELETE',
      'ENTRUST.SIGNING',
      { ...edu, contract_information: { ...edu.contract_information, contract_status: 'PAUSED' } },
      'refused',
    ],
    [
      'edu without contract_information',
      'ENTRUST.SIGNING',
      { ...edu, contract_information: undefined },
      'refused',
    ],
    ['password-exempt resource', 'ENTRUST.TERMINATE', passwordExempt, 'accepted'],
    ['password-exempt minimal resource', 'ENTRUST.TERMINATE', { out_contract_code: 'A1' }, 'accepted'],
    ['password-exempt empty out_contract_code', 'ENTRUST.TERMINATE', { out_contract_code: '' }, 'refused'],
    [
      'password-exempt service_id 1.5',
      'ENTRUST.TERMINATE',
      { ...passwordExempt, service_id: 1.5 },
      'refused',
    ],
    [
      'password-exempt service_id as text',
      'ENTRUST.TERMINATE',
      { ...passwordExempt, service_id: '1' },
      'refused',
    ],
    ['an edu resource sent as password-exempt', 'ENTRUST.TERMINATE', edu, 'refused'],
  ];
  for (const [name, eventType, resource, expected] of cases) {
    it(`${name}: ${expected} by both`, () => {
      const req = signedNotification(eventType, resource);
      const compiled = outcome(() => parser.parse(req));
      expect(compiled).toStrictEqual(outcome(() => parseNotification(req, o)));
      if (expected === 'accepted') {
        expect((compiled as { event: ContractEvent }).event.resource).toEqual(resource);
        expect((compiled as { event: ContractEvent }).event.requestId).toBe('REQ-PARSER-1');
      } else {
        expect(compiled).toMatchObject({ error: NotificationFormatError.name, requestId: 'REQ-PARSER-1' });
      }
    });
  }

  it('keeps the options it was built with: changing the caller object later changes nothing', () => {
    const mine = { ...o };
    const own = createNotificationParser(mine);
    mine.eventTypes = {};
    expect(own.parse(signedNotification('ENTRUST.SIGNING', edu)).family).toBe('edu-papay');
  });
});
