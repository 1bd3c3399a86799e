import { constants, privateDecrypt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../context.ts';
import { badControlRequest, ConfigError, controlConflict, controlNotFound } from '../errors.ts';

/*
 * Control routes for the simulated WeChat Pay key material: platform-certificate rotation (spec §3.4, §7.3)
 * and a helper that decrypts a sensitive field the way WeChat would (spec §1.5, §7.9).
 */
export function platformRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const p = '/__sandbox/platform';
  const { platform } = ctx;

  const view = () => {
    const now = ctx.clock.now() * 1000;
    const activeSerial = platform.certificate?.serial;
    return {
      mode: platform.mode,
      publicKeyId: platform.publicKeyId,
      /** The certificate that signs answers (and notifications in certificate mode). */
      activeSerial,
      certificates: platform.allCertificates().map((c) => ({
        serial: c.serial,
        effectiveTime: c.notBefore.toISOString(),
        expireTime: c.notAfter.toISOString(),
        active: c.serial === activeSerial,
        expired: c.notAfter.getTime() <= now,
      })),
    };
  };
  const body = (b: unknown): Record<string, unknown> => {
    if (b === undefined || b === null) return {};
    if (typeof b !== 'object' || Array.isArray(b)) throw badControlRequest('body must be a JSON object');
    return b as Record<string, unknown>;
  };
  const needCertMode = () => {
    if (platform.mode === 'publicKey') {
      throw controlConflict(
        'public-key mode signs with the WeChat Pay public key; rotation needs certificate mode',
      );
    }
  };
  /** Turns a ConfigError from the key store into a control answer. */
  const attempt = <T>(fn: () => T, status: 400 | 404 | 409): T => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      if (status === 404) throw controlNotFound(err.message);
      if (status === 409) throw controlConflict(err.message);
      throw badControlRequest(err.message);
    }
  };

  app.get(p, async () => view());

  // Rotation switch: name the certificate that signs from now on.
  app.put(p, async (req) => {
    needCertMode();
    const b = body(req.body);
    if (typeof b.activeSerial !== 'string' || b.activeSerial === '')
      throw badControlRequest('activeSerial must be a certificate serial');
    const serial = b.activeSerial;
    attempt(() => platform.activate(serial), 404);
    return view();
  });

  // Rotate to the newest non-expired certificate other than the active one.
  app.post(`${p}/rotate`, async () => {
    needCertMode();
    const now = ctx.clock.now();
    const current = platform.certificate?.serial;
    const next = platform
      .certificates(now)
      .filter((c) => c.serial !== current)
      .sort((a, b) => b.notBefore.getTime() - a.notBefore.getTime())[0];
    if (!next) throw controlConflict('no other non-expired platform certificate to rotate to');
    platform.activate(next.serial);
    return view();
  });

  // Issue a certificate at run time: listed by /v3/certificates at once, signing only once activated.
  app.post(`${p}/certificates`, async (req) => {
    const b = body(req.body);
    if (typeof b.certPem !== 'string' || typeof b.privatePem !== 'string')
      throw badControlRequest('certPem and privatePem must be PEM strings');
    if (b.serial !== undefined && typeof b.serial !== 'string')
      throw badControlRequest('serial must be a string');
    if (b.activate !== undefined && typeof b.activate !== 'boolean')
      throw badControlRequest('activate must be boolean');
    const input = {
      certPem: b.certPem,
      privatePem: b.privatePem,
      ...(b.serial ? { serial: b.serial as string } : {}),
    };
    const added = attempt(() => platform.addCertificate(input), 400);
    if (b.activate) {
      needCertMode();
      platform.activate(added.serial);
    }
    return view();
  });

  app.delete<{ Params: { serial: string } }>(`${p}/certificates/:serial`, async (req) => {
    if (!platform.allCertificates().some((c) => c.serial === req.params.serial.toUpperCase()))
      throw controlNotFound('no platform certificate with this serial');
    attempt(() => platform.removeCertificate(req.params.serial), 409);
    return view();
  });

  // What WeChat does with a sensitive request field: RSA-OAEP (SHA-1, MGF1-SHA-1) decryption with the
  // private key named by Wechatpay-Serial. Test-only; the contract APIs carry no encrypted field.
  app.post('/__sandbox/sensitive/decrypt', async (req) => {
    const b = body(req.body);
    if (typeof b.serial !== 'string' || typeof b.ciphertext !== 'string')
      throw badControlRequest('serial and ciphertext must be strings');
    const key = platform.privateKey(b.serial);
    if (!key) throw controlNotFound('the sandbox holds no key with this serial');
    try {
      const plain = privateDecrypt(
        { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
        Buffer.from(b.ciphertext, 'base64'),
      );
      return { plaintext: plain.toString('utf8') };
    } catch {
      throw badControlRequest('ciphertext is not RSA-OAEP(SHA-1) under the key named by serial');
    }
  });
}
