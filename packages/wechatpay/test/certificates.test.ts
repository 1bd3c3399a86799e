import { describe, expect, it } from 'vitest';
import {
  AnswerFormatError,
  createCertificateStore,
  DecryptError,
  loadApiV3Key,
  loadPublicKey,
  parseCertificatesAnswer,
  SignatureInvalidError,
  UnknownSerialError,
} from '../src/index.ts';
import {
  apiV3KeyText,
  type CertificatesAnswerFile,
  fixedClock,
  fixtureJson,
  fixtureText,
  publicKeyId,
} from './fixtures.ts';

const file = fixtureJson<CertificatesAnswerFile>('vectors/certificates-answer.json');
const apiV3Key = loadApiV3Key(apiV3KeyText());
const parse = (
  over: Partial<{ headers: Record<string, string>; body: string; apiV3Key: Buffer; now: number }> = {},
) =>
  parseCertificatesAnswer({
    headers: over.headers ?? file.headers,
    body: over.body ?? file.body,
    apiV3Key: over.apiV3Key ?? apiV3Key,
    clock: fixedClock(over.now ?? file.now),
  });

describe('GET /v3/certificates answer (platform-certificate mode)', () => {
  it('decrypts the carried certificate to exactly the expected PEM and verifies the answer with it', () => {
    const certs = parse();
    expect(certs).toHaveLength(1);
    expect(certs[0]!.pem).toBe(file.expect.certificate_pem);
    expect(certs[0]!.pem).toBe(fixtureText('platform/cert.pem'));
    expect(certs[0]!.serialNo).toBe(file.expect.serial_no);
    expect(certs[0]!.notAfter.getTime()).toBeGreaterThan(certs[0]!.notBefore.getTime());
  });

  it('rejects the answer when its body was altered after signing', () => {
    const body = file.body.replace('"data"', ' "data"');
    expect(() => parse({ body })).toThrow(SignatureInvalidError);
  });

  it('rejects the answer when Wechatpay-Serial names a certificate it does not carry', () => {
    expect(() => parse({ headers: { ...file.headers, 'Wechatpay-Serial': publicKeyId() } })).toThrow(
      UnknownSerialError,
    );
  });

  it('rejects with DecryptError under a wrong APIv3 key', () => {
    expect(() => parse({ apiV3Key: Buffer.from('Y'.repeat(32)) })).toThrow(DecryptError);
  });

  it('rejects when serial_no does not match the decrypted certificate', () => {
    const body = file.body.replace(`"serial_no":"${file.expect.serial_no}"`, '"serial_no":"0123"');
    expect(() => parse({ body })).toThrow(AnswerFormatError);
  });

  it('rejects a non-JSON body', () => {
    expect(() => parse({ body: 'nope' })).toThrow(AnswerFormatError);
  });
});

describe('certificate store', () => {
  const now = 1_714_528_863;
  const certs = parseCertificatesAnswer({
    headers: file.headers,
    body: file.body,
    apiV3Key,
    clock: fixedClock(now),
  });
  const other = loadPublicKey(fixtureText('merchant/cert.pem'));

  it('keeps old and new certificates during rotation and prefers the newest', () => {
    const store = createCertificateStore({ clock: fixedClock(now) });
    store.add(certs);
    const newer = {
      serialNo: 'ABCDEF01',
      publicKey: other,
      notAfter: new Date(certs[0]!.notAfter.getTime() + 86_400_000),
    };
    store.add([newer]);
    expect(store.resolve(certs[0]!.serialNo)).toBe(certs[0]!.publicKey);
    expect(store.resolve('abcdef01')).toBe(other);
    expect(store.acceptSerial()).toBe('ABCDEF01');
    expect(store.serials().sort()).toEqual([certs[0]!.serialNo, 'ABCDEF01'].sort());
  });

  it('puts a configured public key id first (migration) while still resolving certificates', () => {
    const pub = loadPublicKey(fixtureText('platform/pubkey/public-key.pem'));
    const store = createCertificateStore({ publicKeys: { [publicKeyId()]: pub }, clock: fixedClock(now) });
    store.add(certs);
    expect(store.acceptSerial()).toBe(publicKeyId());
    expect(store.resolve(publicKeyId())).toBe(pub);
    expect(store.resolve(certs[0]!.serialNo)).toBe(certs[0]!.publicKey);
  });

  it('drops certificates long expired, and an unknown serial resolves to undefined without I/O', () => {
    const store = createCertificateStore({ clock: fixedClock(now) });
    store.add([{ serialNo: 'DEAD01', publicKey: other, notAfter: new Date((now - 30 * 86_400) * 1000) }]);
    expect(store.resolve('DEAD01')).toBeUndefined();
    expect(store.resolve('NOPE')).toBeUndefined();
  });
});
