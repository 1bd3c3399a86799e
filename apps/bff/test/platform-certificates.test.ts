import { execFileSync } from 'node:child_process';
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import {
  eventually,
  fixtureText,
  type Harness,
  LogCapture,
  sandboxRequests,
  startHarness,
  testEnv,
} from './helpers/harness.ts';

/*
 * Automatic platform-certificate mode (WECHATPAY_PLATFORM_CERT_AUTO=true) against the sandbox in certificate
 * mode: start-up download, rotation picked up through the unknown-serial refresh (notifications: 500 first,
 * WeChat's retry succeeds; API answers: refresh, then the bounded retry succeeds), throttling.
 */

const CERT_ONLY_ENV = {
  WECHATPAY_PLATFORM_CERT_AUTO: 'true',
  WECHATPAY_PUBLIC_KEY_PATH: '',
  WECHATPAY_PUBLIC_KEY_ID: '',
  WECHATPAY_PLATFORM_CERT_PATH: '',
};

interface NewCert {
  serial: string;
  pem: string;
  key: KeyObject;
  keyPem: string;
  notBefore: Date;
  notAfter: Date;
}

/** A second platform certificate, made with the openssl CLI (self-signed RSA 2048, 30 days). */
function makeCertificate(name: string): NewCert {
  const dir = mkdtempSync(path.join(tmpdir(), 'qianyue-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '30',
        '-subj',
        `/CN=${name}`,
      ],
      { stdio: 'pipe' },
    );
    const pem = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    const keyPem = readFileSync(path.join(dir, 'key.pem'), 'utf8');
    const x = new X509Certificate(pem);
    return {
      serial: x.serialNumber.toUpperCase(),
      pem,
      key: createPrivateKey(keyPem),
      keyPem,
      notBefore: new Date(x.validFrom),
      notAfter: new Date(x.validTo),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * WeChat rotates its platform certificate: from now on the sandbox signs answers and notifications with `c` and
 * serves it from /v3/certificates. (The sandbox has no rotation knob yet — requested in REQUESTS-sandbox.md —
 * so this swaps the key set the sandbox's signing code reads.)
 */
function rotateSandboxCertificate(sandbox: FastifyInstance, c: NewCert): void {
  const platform = (sandbox as unknown as { sandbox: { platform: Record<string, unknown> } }).sandbox
    .platform;
  if (typeof platform.addCertificate === 'function' && typeof platform.activate === 'function') {
    // The sandbox's own rotation: the new certificate is issued (listed next to the old one) and activated.
    (platform.addCertificate as (x: { certPem: string; privatePem: string }) => unknown)({
      certPem: c.pem,
      privatePem: c.keyPem,
    });
    (platform.activate as (serial: string) => unknown)(c.serial);
    return;
  }
  const signing = { serial: c.serial, key: c.key };
  Object.assign(platform, {
    forAnswer: () => signing,
    forNotification: () => signing,
    certificate: { serial: c.serial, pem: c.pem, notBefore: c.notBefore, notAfter: c.notAfter },
  });
}

const certificateCalls = (logs: LogCapture) => sandboxRequests(logs, 'GET', '/v3/certificates');

describe('automatic platform-certificate mode (sandbox in certificate mode)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const start = async (env: Record<string, string> = {}) => {
    const sandboxLogs = new LogCapture();
    h = await startHarness({
      sandbox: { platform: { mode: 'certificate' } },
      env: { ...CERT_ONLY_ENV, ...env },
      sandboxLogs,
    });
    return { h, sandboxLogs };
  };

  it('downloads the certificates at start-up (verified with the certificate they carry) and uses them', async () => {
    const { h, sandboxLogs } = await start();
    const fixtureSerial = fixtureText('platform/serial.txt').trim().toUpperCase();
    expect(h.app.wechatpay.resolver.serials()).toEqual([fixtureSerial]);
    expect(certificateCalls(sandboxLogs)).toBe(1);
    const ready = await h.call('GET', '/readyz');
    expect(ready.status).toBe(200);
    // A signed WeChat answer verifies with the downloaded certificate.
    const { token } = await h.login();
    const p = await h.call('POST', '/v1/contracts/presign', { token, body: { planKey: 'edu-monthly' } });
    expect(p.status).toBe(200);
    const metrics = await h.call<string>('GET', '/metrics');
    expect(metrics.body).toMatch(
      /bff_platform_certificate_refreshes_total\{reason="startup",outcome="updated"\} 1/,
    );
  });

  it('keeps the configured WeChat Pay public key alongside the downloaded certificates (migration)', async () => {
    const sandboxLogs = new LogCapture();
    h = await startHarness({
      sandbox: { platform: { mode: 'certificate' } },
      env: { WECHATPAY_PLATFORM_CERT_AUTO: 'true', WECHATPAY_PLATFORM_CERT_PATH: '' },
      sandboxLogs,
    });
    const serials = h.app.wechatpay.resolver.serials();
    expect(serials).toContain(fixtureText('platform/pubkey/id.txt').trim());
    expect(serials).toContain(fixtureText('platform/serial.txt').trim().toUpperCase());
    // Requests still name the public key; answers signed with the platform certificate verify too.
    expect(h.app.wechatpay.resolver.acceptSerial()).toMatch(/^PUB_KEY_ID_/);
    const { token } = await h.login();
    const p = await h.call('POST', '/v1/contracts/presign', { token, body: { planKey: 'edu-monthly' } });
    expect(p.status).toBe(200);
    expect(sandboxRequests(sandboxLogs, 'GET', '/v3/certificates')).toBe(1);
  });

  it('refuses to start when the certificates cannot be downloaded and no key is configured', async () => {
    // A sandbox in public-key mode has no platform certificate (/v3/certificates answers an error).
    const sandboxLogs = new LogCapture();
    await expect(
      startHarness({ env: { ...CERT_ONLY_ENV, WECHATPAY_MAX_ATTEMPTS: '1' }, sandboxLogs }),
    ).rejects.toThrow(/platform certificates could not be downloaded/);
  });

  it('a notification signed by a rotated certificate first gets 500, then WeChat’s retry succeeds', async () => {
    const { h, sandboxLogs } = await start();
    const { token } = await h.login();
    const p = await h.call<{ contractId: string; navigate: { extraData: Record<string, string> } }>(
      'POST',
      '/v1/contracts/presign',
      { token, body: { planKey: 'edu-monthly' } },
    );
    expect(p.status).toBe(200);
    const next = makeCertificate('Qianyue test platform certificate 2');
    rotateSandboxCertificate(h.sandbox, next);

    await h.control('POST', `/sessions/${p.body.navigate.extraData.presign_token}/confirm`);
    const signed = await eventually(async () => {
      const r = await h.call<{ state: string }>('GET', `/v1/contracts/${p.body.contractId}`, { token });
      return r.body.state === 'SIGNED' ? r.body : undefined;
    }, 400);
    expect(signed.state).toBe('SIGNED');
    const deliveries = (
      await h.control<{ data: Array<{ status?: number; url?: string; seq: number }> }>('GET', '/deliveries')
    ).body.data
      .filter((d) => d.url?.includes('/v1/notify/edu-papay'))
      .sort((a, b) => a.seq - b.seq);
    const statuses = deliveries.map((d) => d.status);
    expect(statuses[0]).toBe(500);
    expect(statuses).toContain(204);
    expect(h.app.wechatpay.resolver.serials()).toContain(next.serial);
    // The first delivery triggered one download; later retries were verified without any more.
    expect(certificateCalls(sandboxLogs)).toBe(2);
  });

  it('an API answer signed by a rotated certificate: refresh, then the bounded retry succeeds', async () => {
    const { h, sandboxLogs } = await start();
    const { token } = await h.login();
    rotateSandboxCertificate(h.sandbox, makeCertificate('Qianyue test platform certificate 3'));
    const p = await h.call<{ reused: boolean }>('POST', '/v1/contracts/presign', {
      token,
      body: { planKey: 'vip-autopay' },
    });
    expect(p.status).toBe(200);
    expect(p.body.reused).toBe(false);
    expect(certificateCalls(sandboxLogs)).toBe(2);
  });

  it('unknown serials refresh at most once per minute, however many arrive', async () => {
    const { h, sandboxLogs } = await start({ WECHATPAY_MAX_ATTEMPTS: '2' });
    const { token } = await h.login();
    // Every presign answer names a serial nobody knows; /v3/certificates itself stays honest.
    await h.control('PUT', '/faults', {
      routes: { 'POST /v3/edu-papay/contracts/presign': { unknownSerialRate: 1 } },
    });
    for (let i = 0; i < 4; i++) {
      const r = await h.call('POST', '/v1/contracts/presign', { token, body: { planKey: 'edu-monthly' } });
      expect(r.status, JSON.stringify(r.body) + h.logs.text().slice(-3000)).toBe(503);
    }
    // Forged notifications with unknown serials (not even signed) also ask for a refresh.
    for (let i = 0; i < 5; i++) {
      const r = await h.call('POST', '/v1/notify/edu-papay', {
        body: { id: `x${i}` },
        headers: {
          'wechatpay-serial': `7E57C0DE00000000000000000000000000000${i}`,
          'wechatpay-timestamp': String(h.clock.now()),
          'wechatpay-nonce': 'n',
          'wechatpay-signature': 'c2ln',
        },
      });
      expect(r.status).toBe(500);
      expect(r.body).toMatchObject({ code: 'FAIL' });
    }
    await h.app.wechatpay.certificates?.close(); // wait for any background refresh
    expect(certificateCalls(sandboxLogs)).toBe(2); // start-up + ONE refresh
    // A minute later the next unknown serial may refresh again.
    h.clock.advance(61);
    const r = await h.call('POST', '/v1/contracts/presign', { token, body: { planKey: 'edu-monthly' } });
    expect(r.status).toBe(503);
    expect(certificateCalls(sandboxLogs)).toBe(3);
    const metrics = await h.call<string>('GET', '/metrics');
    expect(metrics.body).toMatch(
      /bff_platform_certificate_refreshes_total\{reason="unknown_serial",outcome="throttled"\}/,
    );
    await h.control('DELETE', '/faults');
  });

  it('config: automatic mode needs no configured key; without it one is still required', async () => {
    const base = testEnv('http://127.0.0.1:9', CERT_ONLY_ENV);
    const config = await loadConfig(base);
    expect(config.wechatpay.platformCertAuto).toEqual({ refreshSeconds: 86_400, minRefreshSeconds: 60 });
    await expect(loadConfig({ ...base, WECHATPAY_PLATFORM_CERT_AUTO: 'false' })).rejects.toThrow(
      /WECHATPAY_PUBLIC_KEY_PATH/,
    );
  });
});
