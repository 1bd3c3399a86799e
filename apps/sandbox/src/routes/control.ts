import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../context.ts';
import { badControlRequest, contractNotFound, singleQuery } from '../errors.ts';
import { parseFaults } from '../faults.ts';
import { eduResource, passwordExemptAnswer } from '../resources.ts';
import { cancelSession, confirmSession, userTerminate, viewSession } from '../signing.ts';
import type { Contract } from '../state.ts';
import { mintLoginCode } from './jscode2session.ts';
import { platformRoutes } from './platform.ts';

const contractView = (c: Contract) =>
  c.kind === 'edu'
    ? {
        kind: 'edu',
        contractId: c.contractId,
        mchId: c.mchId,
        terminationMode: c.terminationMode,
        ...eduResource(c),
      }
    : {
        kind: 'qs',
        mode: c.mode,
        contractId: c.contractId,
        mchId: c.mchId,
        terminationMode: c.terminationMode,
        ...(c.subMchid ? { sub_mchid: c.subMchid } : {}),
        ...passwordExemptAnswer(c),
      };

/** The JSON control API for tests and the demo, all under /__sandbox/. */
export function controlRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const p = '/__sandbox';
  const obj = (b: unknown): Record<string, unknown> => {
    if (b === undefined || b === null) return {};
    if (typeof b !== 'object' || Array.isArray(b)) throw badControlRequest('body must be a JSON object');
    return b as Record<string, unknown>;
  };
  const optString = (v: unknown, name: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0 || v.length > 128)
      throw badControlRequest(`${name} must be a string`);
    return v;
  };

  app.get(`${p}/health`, async () => ({ ok: true, platformMode: ctx.platform.mode, now: ctx.clock.now() }));

  app.post(`${p}/login-code`, async (req) => {
    const b = obj(req.body);
    if (b.highRisk !== undefined && typeof b.highRisk !== 'boolean')
      throw badControlRequest('highRisk must be boolean');
    return mintLoginCode(ctx, {
      openid: optString(b.openid, 'openid'),
      user: optString(b.user, 'user'),
      appId: optString(b.appId, 'appId'),
      highRisk: b.highRisk as boolean | undefined,
    });
  });

  app.get<{ Params: { token: string } }>(`${p}/sessions/:token`, async (req) =>
    viewSession(ctx, req.params.token),
  );
  app.post<{ Params: { token: string } }>(`${p}/sessions/:token/confirm`, async (req) =>
    confirmSession(ctx, req.params.token),
  );
  app.post<{ Params: { token: string } }>(`${p}/sessions/:token/cancel`, async (req) =>
    cancelSession(ctx, req.params.token),
  );

  app.post<{ Params: { contractId: string } }>(`${p}/contracts/:contractId/user-terminate`, async (req) =>
    userTerminate(ctx, req.params.contractId),
  );
  app.get(`${p}/contracts`, async (req) => {
    const q = singleQuery(req.query);
    const out = [];
    for (const c of ctx.state.contracts.values()) {
      if (q.openid && c.openid !== q.openid) continue;
      out.push(contractView(c));
    }
    return { data: out };
  });
  app.get<{ Params: { contractId: string } }>(`${p}/contracts/:contractId`, async (req) => {
    const c = ctx.state.contracts.get(req.params.contractId);
    if (!c) throw contractNotFound();
    return contractView(c);
  });

  app.get(`${p}/deliveries`, async (req) => {
    const q = singleQuery(req.query);
    const data = ctx.notifier
      .deliveries()
      .filter(
        (d) =>
          (!q.notificationId || d.notificationId === q.notificationId) &&
          (!q.contractId || d.contractId === q.contractId),
      );
    return { data };
  });
  app.get(`${p}/notifications`, async (req) => {
    const q = singleQuery(req.query);
    const data = ctx.notifier.notifications().filter((n) => !q.contractId || n.contractId === q.contractId);
    return { data };
  });

  app.get(`${p}/faults`, async () => ctx.faults.get());
  app.get(`${p}/faults/stats`, async () => ctx.faults.stats());
  app.put(`${p}/faults`, async (req) => {
    ctx.faults.set(parseFaults(req.body));
    return ctx.faults.get();
  });
  app.delete(`${p}/faults`, async () => {
    ctx.faults.set({});
    return ctx.faults.get();
  });

  platformRoutes(app, ctx);

  app.get(`${p}/clock`, async () => ({ now: ctx.clock.now(), offsetSeconds: ctx.clock.offsetSeconds }));
  app.post(`${p}/clock`, async (req) => {
    const b = obj(req.body);
    if (typeof b.offsetSeconds !== 'number' || !Number.isSafeInteger(b.offsetSeconds)) {
      throw badControlRequest('offsetSeconds must be an integer');
    }
    ctx.clock.offsetSeconds = b.offsetSeconds;
    return { now: ctx.clock.now(), offsetSeconds: ctx.clock.offsetSeconds };
  });
}
