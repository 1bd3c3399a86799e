import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildSandbox } from '../src/app.ts';
import { loadSandboxConfig } from '../src/env.ts';
import {
  call,
  control,
  decrypt,
  EDU_PRESIGN,
  eduPresignBody,
  FIX,
  fixture,
  type GeneratedCert,
  IDS,
  makeCertificate,
  manualClock,
  nowSeconds,
  type Receiver,
  type Running,
  startReceiver,
  startSandbox,
  verifyWith,
} from './helpers.ts';

describe('platform certificate rotation (two overlapping certificates)', () => {
  let dir: string;
  let certB: GeneratedCert;
  let shortLived: GeneratedCert;
  let sb: Running | undefined;
  let rx: Receiver | undefined;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sandbox-rotation-'));
    certB = makeCertificate(dir, '7E57C0DE504C4154464F524D00000000000000B2');
    shortLived = makeCertificate(dir, '7E57C0DE504C4154464F524D00000000000000C3', 1);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await sb?.close();
    await rx?.close();
    sb = undefined;
    rx = undefined;
  });

  const twoCerts = (extra: Record<string, unknown> = {}) => ({
    platform: {
      mode: 'certificate' as const,
      certificates: [{ certPem: certB.certPem, privatePem: certB.privatePem }],
      ...extra,
    },
  });
  const certificatesAnswer = (s: Running, timestamp?: number) =>
    call(s.url, { method: 'GET', path: '/v3/certificates', ...(timestamp ? { timestamp } : {}) });

  it('/v3/certificates lists both certificates, each sealed with the APIv3 key (AAD certificate, own nonce)', async () => {
    sb = await startSandbox(twoCerts());
    const a = await certificatesAnswer(sb);
    expect(a.status).toBe(200);
    const entries = a.json.data as Array<{ serial_no: string; encrypt_certificate: Record<string, string> }>;
    expect(entries.map((e) => e.serial_no)).toEqual([fixture.platformSerial, certB.serial]);
    for (const e of entries) {
      expect(e.encrypt_certificate.associated_data).toBe('certificate');
      expect(e.encrypt_certificate.nonce).toMatch(/^[0-9A-Za-z]{12}$/);
      const pem = decrypt(e.encrypt_certificate as never);
      expect(new X509Certificate(pem).serialNumber).toBe(e.serial_no);
    }
    expect(entries[0]!.encrypt_certificate.nonce).not.toBe(entries[1]!.encrypt_certificate.nonce);
    // The first configured certificate signs until rotated.
    expect(verifyWith(a.headers, a.text, fixture.platformCertKey)).toBe(fixture.platformSerial);
    const again = await certificatesAnswer(sb);
    expect(again.json.data[0].encrypt_certificate.nonce).not.toBe(entries[0]!.encrypt_certificate.nonce);
  });

  it('PUT /__sandbox/platform {activeSerial} switches the key that signs answers and notifications', async () => {
    rx = await startReceiver([204]);
    sb = await startSandbox({ ...twoCerts(), merchant: { eduNotifyUrl: rx.url } });
    const before = await call(sb.url, { method: 'POST', path: EDU_PRESIGN, body: eduPresignBody() });
    expect(verifyWith(before.headers, before.text, fixture.platformCertKey)).toBe(fixture.platformSerial);

    const put = await control(sb.url, 'PUT', '/platform', { activeSerial: certB.serial });
    expect(put.status).toBe(200);
    expect(put.json.activeSerial).toBe(certB.serial);

    const after = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({ openid: 'oRotated' }),
    });
    expect(after.status).toBe(200);
    expect(verifyWith(after.headers, after.text, certB.publicKey)).toBe(certB.serial);
    expect(() => verifyWith(after.headers, after.text, fixture.platformCertKey)).toThrow('bad signature');
    // Both are still listed while they overlap.
    const list = await certificatesAnswer(sb);
    expect(list.json.data).toHaveLength(2);
    expect(verifyWith(list.headers, list.text, certB.publicKey)).toBe(certB.serial);

    await control(sb.url, 'POST', `/sessions/${after.json.presign_token}/confirm`);
    const [n] = await rx.waitFor(1);
    expect(verifyWith(n!.headers, n!.body, certB.publicKey)).toBe(certB.serial);
  });

  it('POST /__sandbox/platform/rotate moves to the other certificate; unknown serial → 404; public-key mode → 409', async () => {
    sb = await startSandbox(twoCerts());
    const r = await control(sb.url, 'POST', '/platform/rotate');
    expect(r.status).toBe(200);
    expect(r.json.activeSerial).toBe(certB.serial);
    expect(r.json.certificates.map((c: { serial: string; active: boolean }) => [c.serial, c.active])).toEqual(
      [
        [fixture.platformSerial, false],
        [certB.serial, true],
      ],
    );
    const a = await certificatesAnswer(sb);
    expect(verifyWith(a.headers, a.text, certB.publicKey)).toBe(certB.serial);
    expect((await control(sb.url, 'PUT', '/platform', { activeSerial: 'ABCDEF' })).status).toBe(404);
    await sb.close();
    sb = await startSandbox();
    expect((await control(sb.url, 'POST', '/platform/rotate')).status).toBe(409);
  });

  it('a certificate past its expiry is no longer listed (rotation clock = the sandbox clock)', async () => {
    const clock = manualClock(nowSeconds());
    sb = await startSandbox(
      {
        platform: {
          mode: 'certificate',
          certificates: [{ certPem: shortLived.certPem, privatePem: shortLived.privatePem }],
        },
      },
      { clock },
    );
    expect((await certificatesAnswer(sb, clock.t)).json.data).toHaveLength(2);
    clock.t += 2 * 86_400; // the one-day certificate has expired
    const a = await certificatesAnswer(sb, clock.t);
    expect(a.json.data.map((e: { serial_no: string }) => e.serial_no)).toEqual([fixture.platformSerial]);
    const view = await control(sb.url, 'GET', '/platform');
    expect(
      view.json.certificates.find((c: { serial: string }) => c.serial === shortLived.serial).expired,
    ).toBe(true);
  });

  it('a certificate issued at run time is listed at once, signs only once activated, and the old one can be withdrawn', async () => {
    sb = await startSandbox({ platform: { mode: 'certificate' } });
    const added = await control(sb.url, 'POST', '/platform/certificates', {
      certPem: certB.certPem,
      privatePem: certB.privatePem,
    });
    expect(added.status).toBe(200);
    const listed = await certificatesAnswer(sb);
    expect(listed.json.data).toHaveLength(2);
    expect(verifyWith(listed.headers, listed.text, fixture.platformCertKey)).toBe(fixture.platformSerial);

    expect((await control(sb.url, 'DELETE', `/platform/certificates/${fixture.platformSerial}`)).status).toBe(
      409,
    );
    await control(sb.url, 'PUT', '/platform', { activeSerial: certB.serial });
    expect((await control(sb.url, 'DELETE', `/platform/certificates/${fixture.platformSerial}`)).status).toBe(
      200,
    );
    const after = await certificatesAnswer(sb);
    expect(after.json.data.map((e: { serial_no: string }) => e.serial_no)).toEqual([certB.serial]);
    expect(verifyWith(after.headers, after.text, certB.publicKey)).toBe(certB.serial);
    // A key that does not match its certificate is refused.
    const mismatch = await control(sb.url, 'POST', '/platform/certificates', {
      certPem: shortLived.certPem,
      privatePem: certB.privatePem,
    });
    expect(mismatch.status).toBe(400);
  });

  it('migrating mode signs with the key the request names in Wechatpay-Serial, else with the active certificate', async () => {
    sb = await startSandbox({
      platform: {
        mode: 'migrating',
        certificates: [{ certPem: certB.certPem, privatePem: certB.privatePem }],
      },
      // A signed 200 GET is all this needs: keep the empty-list answer for a user without contracts.
      rules: { userWithoutContracts: 'empty' },
    });
    const query = (serial?: string) =>
      call(sb!.url, {
        method: 'GET',
        path: `/v3/edu-papay/user/oMigrating/contracts?appid=${IDS.appId}&plan_id=${IDS.planId}`,
        ...(serial ? { extraHeaders: { 'wechatpay-serial': serial } } : {}),
      });
    const withKeyId = await query(fixture.publicKeyId);
    expect(withKeyId.status).toBe(200);
    expect(verifyWith(withKeyId.headers, withKeyId.text, fixture.publicKey)).toBe(fixture.publicKeyId);
    const withCertB = await query(certB.serial);
    expect(verifyWith(withCertB.headers, withCertB.text, certB.publicKey)).toBe(certB.serial);
    const without = await query();
    expect(verifyWith(without.headers, without.text, fixture.platformCertKey)).toBe(fixture.platformSerial);
  });

  it('migrating mode: /v3/certificates is signed by the active certificate even when the request names the public key', async () => {
    sb = await startSandbox({ platform: { mode: 'migrating' } });
    const a = await call(sb.url, {
      method: 'GET',
      path: '/v3/certificates',
      extraHeaders: { 'wechatpay-serial': fixture.publicKeyId },
    });
    // §3.3 bootstrap: the answer verifies with a certificate it carries.
    const carried = decrypt(a.json.data[0].encrypt_certificate);
    expect(verifyWith(a.headers, a.text, createPublicKey(carried))).toBe(fixture.platformSerial);
  });

  it('SANDBOX_PLATFORM_CERT_PATHS / _PRIVATE_KEY_PATHS / _ACTIVE_CERT_SERIAL configure the certificates from env', async () => {
    const env = {
      SANDBOX_MERCHANT_PUBLIC_KEY_PATH: `${FIX}/merchant/cert.pem`,
      SANDBOX_MERCHANT_SERIAL_PATH: `${FIX}/merchant/serial.txt`,
      SANDBOX_APIV3_KEY_PATH: `${FIX}/apiv3-key.txt`,
      SANDBOX_MINIPROGRAM_APP_SECRET: 'TESTONLYappSecret0000000000000000',
      SANDBOX_PLATFORM_MODE: 'certificate',
      SANDBOX_PLATFORM_CERT_PATH: `${FIX}/platform/cert.pem`,
      SANDBOX_PLATFORM_CERT_PRIVATE_KEY_PATH: `${FIX}/platform/private-key.pem`,
      SANDBOX_PLATFORM_CERT_PATHS: certB.certPath,
      SANDBOX_PLATFORM_CERT_PRIVATE_KEY_PATHS: certB.keyPath,
      SANDBOX_PLATFORM_ACTIVE_CERT_SERIAL: certB.serial,
    };
    const app = await buildSandbox(loadSandboxConfig(env));
    try {
      expect(app.sandbox.platform.certificate?.serial).toBe(certB.serial);
      expect(app.sandbox.platform.allCertificates().map((c) => c.serial)).toEqual([
        fixture.platformSerial,
        certB.serial,
      ]);
    } finally {
      await app.close();
    }
    expect(() => loadSandboxConfig({ ...env, SANDBOX_PLATFORM_CERT_PRIVATE_KEY_PATHS: '' })).toThrow(
      /SANDBOX_PLATFORM_CERT_PATHS/,
    );
    await expect(
      buildSandbox(loadSandboxConfig({ ...env, SANDBOX_PLATFORM_ACTIVE_CERT_SERIAL: 'AB' })),
    ).rejects.toThrow(/activeCertSerial/);
  });
});
