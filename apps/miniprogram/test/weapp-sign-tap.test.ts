// @vitest-environment jsdom
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LoginReply, PlansReply, PresignReply } from '@qianyue/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { WEAPP_DIR } from './support/paths.ts';
import { installWeappShims, type WxHandler, waitFor } from './support/weapp-shims.ts';

const require = createRequire(import.meta.url);

const PRESIGN: PresignReply = {
  contractId: 'ct_edu_1',
  navigate: {
    appId: 'wx7a985467cbd06913',
    path: 'pages/index/index',
    extraData: { presign_token: 'pt-from-bff-123' },
  },
  expiresAt: '2099-01-01T00:00:00.000Z',
  reused: false,
};
const PLANS: PlansReply = {
  plans: [
    {
      planKey: 'edu-monthly',
      family: 'edu-papay',
      name: '教育月度续费',
      description: '每月自动续费',
      state: 'NONE',
    },
  ],
};

/** wx.request answered like the BFF would (the page only ever talks to services/, which talk to wx.request). */
const request: WxHandler = (o) => {
  const url = String(o.url);
  const ok = (data: unknown) =>
    (o.success as (r: unknown) => void)({ statusCode: 200, data, header: {}, errMsg: 'request:ok' });
  if (url.endsWith('/v1/auth/login'))
    ok({ token: 't-1', expiresAt: '2099-01-01T00:00:00.000Z' } satisfies LoginReply);
  else if (url.endsWith('/v1/plans')) ok(PLANS);
  else if (url.endsWith('/v1/contracts/presign')) ok(PRESIGN);
  else
    (o.success as (r: unknown) => void)({
      statusCode: 404,
      data: { code: 'BFF_ROUTE_NOT_FOUND', message: 'x' },
      header: {},
    });
};

let navigateAnswer: 'cancel' | 'ok' = 'cancel';
const handlers: Record<string, WxHandler> = {
  request,
  login: (o) => (o.success as (r: unknown) => void)({ code: 'wx-code-1', errMsg: 'login:ok' }),
  navigateToMiniProgram: (o) =>
    navigateAnswer === 'ok'
      ? (o.success as (r: unknown) => void)({ errMsg: 'navigateToMiniProgram:ok' })
      : (o.fail as (r: unknown) => void)({ errMsg: 'navigateToMiniProgram:fail cancel' }),
};

describe('weapp bundle: the plans page built by Taro, run by miniprogram-simulate', () => {
  let shims: ReturnType<typeof installWeappShims>;
  // biome-ignore lint/suspicious/noExplicitAny: j-component's instance type
  let page: any;

  beforeAll(async () => {
    shims = installWeappShims({ route: 'pages/index/index', handlers });
    const simulate = require('miniprogram-simulate');
    require(path.join(WEAPP_DIR, 'app.js'));
    const id = simulate.load(path.join(WEAPP_DIR, 'pages/index/index'), {
      compiler: 'official',
      rootPath: WEAPP_DIR,
    });
    page = simulate.render(id);
    page.attach(document.createElement('parent-wrapper'));
    await waitFor(() => page.querySelector('#sign-edu-monthly'), 'the sign button');
  });

  it('logs in with wx.login and the BFF, then shows the plan with its state', () => {
    const login = shims.calls.find(
      (c) => c.api === 'request' && String(c.options.url).endsWith('/v1/auth/login'),
    );
    expect(login?.options.data).toEqual({ code: 'wx-code-1' });
    expect(page.querySelector('#plan-state-edu-monthly').dom.textContent).toBe('未签约');
  });

  it('treats a declined jump dialog as a normal state: a notice, no error', async () => {
    navigateAnswer = 'cancel';
    page.querySelector('#sign-edu-monthly').dispatchEvent('tap');
    await waitFor(() => page.querySelector('#sign-notice'), 'the cancelled notice');
    expect(page.querySelector('#error-message')).toBeUndefined();
    expect(shims.storage.get('qianyue.pendingSign')).toBeUndefined();
  });

  it('tapping sign calls navigateToMiniProgram with exactly the BFF navigate target', async () => {
    navigateAnswer = 'ok';
    const before = shims.calls.filter((c) => c.api === 'navigateToMiniProgram').length;
    page.querySelector('#sign-edu-monthly').dispatchEvent('tap');
    const jumps = await waitFor(() => {
      const j = shims.calls.filter((c) => c.api === 'navigateToMiniProgram');
      return j.length > before ? j : undefined;
    }, 'navigateToMiniProgram');
    const { appId, path: p, extraData } = jumps.at(-1)!.options;
    expect({ appId, path: p, extraData }).toEqual(PRESIGN.navigate);
    const presign = shims.calls
      .filter((c) => String(c.options.url).endsWith('/v1/contracts/presign'))
      .at(-1)!;
    expect(presign.options.data).toEqual({ planKey: 'edu-monthly' });
    expect((presign.options.header as Record<string, string>)['Authorization']).toBe('Bearer t-1');
    // Remembered for the return (App onShow → result page).
    await waitFor(() => shims.storage.get('qianyue.pendingSign'), 'the pending record');
    expect(shims.storage.get('qianyue.pendingSign')).toMatchObject({
      contractId: 'ct_edu_1',
      appId: 'wx7a985467cbd06913',
    });
  });

  it('coming back from the signing mini-program (App onShow, referrerInfo) opens the result page for that contract', async () => {
    const app = (globalThis as unknown as { getApp: () => Record<string, (o: unknown) => void> }).getApp();
    const before = shims.calls.filter((c) => c.api === 'navigateTo').length;
    // What WeChat does on return: App onShow with scene 1038 and the signing mini-program as referrer …
    app.onShow!({
      scene: 1038,
      path: 'pages/index/index',
      query: {},
      referrerInfo: { appId: 'wx7a985467cbd06913', extraData: { return_code: 'SUCCESS' } },
    });
    // … then the page's own onShow.
    page.instance.onShow();
    const nav = await waitFor(() => {
      const n = shims.calls.filter((c) => c.api === 'navigateTo');
      return n.length > before ? n.at(-1) : undefined;
    }, 'navigateTo the result page');
    // extraData travels only as a hint; the result page asks the BFF.
    expect(nav.options.url).toBe('/pages/result/index?contractId=ct_edu_1&hint=success');
    // Kept until the result page's check claims it (services/signing.ts): a failed navigateTo is retried
    // on the next show instead of losing the attempt.
    expect(shims.storage.get('qianyue.pendingSign')).toMatchObject({ contractId: 'ct_edu_1' });
  });
});
