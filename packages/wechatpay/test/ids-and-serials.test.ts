import { describe, expect, it } from 'vitest';
import {
  certificateInfo,
  createStaticKeyResolver,
  isMchId,
  isPublicKeyId,
  loadPublicKey,
  normalizeSerial,
  splitCertificates,
} from '../src/index.ts';
import { fixtureText, platformSerial, publicKeyId } from './fixtures.ts';

describe('normalizeSerial: one rule for storing, comparing and sending serials', () => {
  it.each([
    [
      'lower-case hex',
      '5157f09efdc096de15ebe81a47057a7232f1b8e1',
      '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
    ],
    ['openssl colon form', '51:57:F0:9E', '5157F09E'],
    ['surrounding whitespace', ' 5157F09E\n', '5157F09E'],
    // WeChat prints whole bytes; a leading zero nibble is part of the serial (wechatpay-go PR #46).
    ['a leading zero nibble is kept', '0A1B2C', '0A1B2C'],
    ['an odd-length (BigInteger-stripped) serial gets its zero back', 'A1B2C', '0A1B2C'],
    ['a DER sign byte 00 is dropped', '00A1B2', 'A1B2'],
    ['a single zero byte stays', '00', '00'],
  ])('%s', (_name, input, expected) => {
    expect(normalizeSerial(input)).toBe(expected);
  });

  it('leaves PUB_KEY_ID_ ids and other names untouched (they are case-sensitive names)', () => {
    expect(normalizeSerial('PUB_KEY_ID_0114232134912410000000000000')).toBe(
      'PUB_KEY_ID_0114232134912410000000000000',
    );
    expect(normalizeSerial('pub_key_id_01')).toBe('pub_key_id_01');
  });

  it('is idempotent and matches the serial Node/OpenSSL read from the fixture certificate', () => {
    const serial = certificateInfo(fixtureText('platform/cert.pem')).serialNo;
    expect(serial).toBe(platformSerial().toUpperCase());
    expect(normalizeSerial(normalizeSerial(serial))).toBe(serial);
  });

  it('the key resolver finds a key whatever form the serial arrives in', () => {
    const key = loadPublicKey(fixtureText('platform/cert.pem'));
    const r = createStaticKeyResolver({ keys: { '0A1B2C': key } });
    expect(r.resolve('a1b2c')).toBe(key);
    expect(r.resolve('0a:1b:2c')).toBe(key);
    expect(r.acceptSerial()).toBe('0A1B2C');
  });
});

describe('format predicates', () => {
  it('isMchId: 8–12 digits', () => {
    for (const ok of ['1900000109', '12345678', '123456789012']) expect(isMchId(ok)).toBe(true);
    for (const bad of ['1234567', '1234567890123', '190000010a', ' 1900000109', ''])
      expect(isMchId(bad)).toBe(false);
  });

  it('isPublicKeyId: PUB_KEY_ID_ followed by digits only', () => {
    expect(isPublicKeyId('PUB_KEY_ID_0114232134912410000000000000')).toBe(true);
    expect(isPublicKeyId(publicKeyId())).toBe(true);
    for (const bad of [
      'PUB_KEY_ID_',
      'PUB_KEY_lD_0114',
      'pub_key_id_0114',
      'PUB_KEY_ID_01A',
      platformSerial(),
    ])
      expect(isPublicKeyId(bad)).toBe(false);
  });

  it('splitCertificates returns every certificate block in order and nothing else', () => {
    const cert = fixtureText('platform/cert.pem').trim();
    const bundle = `junk\n${cert}\n${fixtureText('platform/pubkey/public-key.pem')}\n${cert}\n`;
    expect(splitCertificates(bundle)).toEqual([cert, cert]);
    expect(splitCertificates('no pem here')).toEqual([]);
  });
});
