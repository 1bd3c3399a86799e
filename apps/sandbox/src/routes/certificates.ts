import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../context.ts';
import { notFound, paramError } from '../errors.ts';
import { aeadSeal, alnum, rfc3339Cst } from '../platform-keys.ts';

/** GET /v3/certificates: the platform certificate(s), each PEM encrypted with the caller's APIv3 key (spec §3.1). */
export function certificatesRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  app.get('/certificates', async (req) => {
    const q = req.query as Record<string, string>;
    for (const k of Object.keys(q)) {
      if (k !== 'algorithm_type') {
        throw paramError('请求中含有未在API文档中定义的参数', { field: k, location: 'query' });
      }
    }
    if (q.algorithm_type !== undefined && !['RSA', 'SM2', 'ALL'].includes(q.algorithm_type)) {
      throw paramError('algorithm_type 取值错误', { field: 'algorithm_type', location: 'query' });
    }
    // Public-key-mode merchants have no platform certificate; the real error is reported loosely
    // ("证书不存在" / "系统繁忙"), so this code is an assumption.
    if (ctx.platform.mode === 'publicKey' || q.algorithm_type === 'SM2') throw notFound('证书不存在');
    // Every certificate not yet expired (two overlap during a rotation), each sealed with its own nonce.
    const data = ctx.platform.certificates(ctx.clock.now()).map((cert) => {
      const nonce = alnum(12);
      return {
        serial_no: cert.serial,
        effective_time: rfc3339Cst(Math.floor(cert.notBefore.getTime() / 1000)),
        expire_time: rfc3339Cst(Math.floor(cert.notAfter.getTime() / 1000)),
        encrypt_certificate: {
          algorithm: 'AEAD_AES_256_GCM',
          nonce,
          associated_data: 'certificate',
          ciphertext: aeadSeal(req.merchant!.apiV3Key, nonce, 'certificate', cert.pem),
        },
      };
    });
    if (data.length === 0) throw notFound('证书不存在');
    return { data };
  });
}
