import { afterEach, describe, expect, it } from 'vitest';
import {
  call,
  control,
  EDU_PRESIGN,
  eduPresignBody,
  QS_PRESIGN,
  qsPresignBody,
  type Running,
  startSandbox,
} from './helpers.ts';

describe('the simulated signing page GET /sign', () => {
  let sb: Running | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  const page = async (s: Running, query: string) => {
    const res = await fetch(`${s.url}/sign?${query}`);
    return { status: res.status, type: res.headers.get('content-type'), html: await res.text() };
  };

  it('edu: shows plan and user with #confirm, #cancel and #result', async () => {
    sb = await startSandbox();
    const p = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({ openid: 'oPage' }),
    });
    const r = await page(sb, `presign_token=${p.json.presign_token}`);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/html/);
    expect(r.html).toContain('id="confirm"');
    expect(r.html).toContain('id="cancel"');
    expect(r.html).toContain('id="result"');
    expect(r.html).toContain('101164396123311331');
    expect(r.html).toContain('学员张三-0001');
    expect(r.html).toContain('oPage');
    expect(r.html).toContain(`/__sandbox/sessions/`);
  });

  it('QS: shows the display account; the return_url is carried for the redirect', async () => {
    sb = await startSandbox();
    const p = await call(sb.url, { method: 'POST', path: QS_PRESIGN, body: qsPresignBody() });
    const r = await page(
      sb,
      `pre_entrustweb_id=${p.json.pre_entrustweb_id}&return_url=${encodeURIComponent('http://127.0.0.1:5173/back?x=1')}`,
    );
    expect(r.status).toBe(200);
    expect(r.html).toContain('张三的会员账户');
    expect(r.html).toContain('"http://127.0.0.1:5173/back?x=1"');
    expect(r.html).toContain('sign_result');
  });

  it('escapes what it shows and ignores a javascript: return_url', async () => {
    sb = await startSandbox();
    const p = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({ user_id: '<script>x</script>' }),
    });
    const r = await page(sb, `presign_token=${p.json.presign_token}&return_url=javascript:alert(1)`);
    expect(r.html).not.toContain('<script>x</script>');
    expect(r.html).toContain('&lt;script&gt;');
    expect(r.html).not.toContain('javascript:alert');
  });

  it('an unknown token → 404 page; a missing one → 400', async () => {
    sb = await startSandbox();
    expect((await page(sb, 'presign_token=nope')).status).toBe(404);
    expect((await page(sb, '')).status).toBe(400);
  });

  it('after confirming, the page shows the session as SIGNED with the buttons disabled', async () => {
    sb = await startSandbox();
    const p = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({ openid: 'oDone' }),
    });
    await control(sb.url, 'POST', `/sessions/${p.json.presign_token}/confirm`);
    const r = await page(sb, `presign_token=${p.json.presign_token}`);
    expect(r.html).toMatch(/id="confirm" type="button" disabled/);
    expect(r.html).toContain('SIGNED');
  });

  it('GET /login renders the simulated wx.login page', async () => {
    sb = await startSandbox();
    const res = await fetch(`${sb.url}/login?return_url=${encodeURIComponent('http://127.0.0.1:5173/')}`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('id="confirm"');
    expect(html).toContain('/__sandbox/login-code');
  });

  it('control and page routes are off when controlEnabled is false', async () => {
    sb = await startSandbox({ controlEnabled: false });
    expect((await fetch(`${sb.url}/sign?presign_token=x`)).status).toBe(404);
    expect((await fetch(`${sb.url}/__sandbox/contracts`)).status).toBe(404);
  });
});

describe('control API transport details', () => {
  it('answers CORS preflights for a loopback origin (the H5 demo calls login-code cross-origin), never with *', async () => {
    const sb = await startSandbox();
    try {
      const pre = await fetch(`${sb.url}/__sandbox/login-code`, {
        method: 'OPTIONS',
        headers: { origin: 'http://127.0.0.1:10086', 'access-control-request-method': 'POST' },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:10086');
      expect(pre.headers.get('access-control-allow-headers')).toContain('content-type');
      const res = await fetch(`${sb.url}/__sandbox/login-code`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:10086' },
        body: '{}',
      });
      expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:10086');
      expect(res.headers.get('vary')).toContain('Origin');
    } finally {
      await sb.close();
    }
  });

  it('accepts an empty body sent with content-type application/json; refuses broken JSON with 400', async () => {
    const sb = await startSandbox();
    try {
      const empty = await fetch(`${sb.url}/__sandbox/login-code`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      expect(empty.status).toBe(200);
      const broken = await fetch(`${sb.url}/__sandbox/login-code`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      });
      expect(broken.status).toBe(400);
    } finally {
      await sb.close();
    }
  });
});

describe('the sandbox home page GET /', () => {
  it('lists the contracts it holds and the deliveries it made, read from the control API', async () => {
    const sb = await startSandbox();
    try {
      const res = await fetch(`${sb.url}/`);
      const html = await res.text();
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(html).toContain('id="contracts"');
      expect(html).toContain('id="deliveries"');
      expect(html).toContain("fetch('/__sandbox/contracts')");
    } finally {
      await sb.close();
    }
  });
});
