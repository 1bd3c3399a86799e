import { isIP } from 'node:net';
import { defineCheck } from '../check.ts';

const FIX =
  'set NOTIFY_BASE_URL to the public https origin (and optional path) of your BFF, e.g. https://pay.example.com — no query string, no fragment, no IP address (docs/deploy.md)';
// The BFF's notification routes (packages/api routes.notify*); the longer one bounds the URL length.
const NOTIFY_PATHS = ['/v1/notify/edu-papay', '/v1/notify/password-exempt'];
const MAX_NOTIFY_URL = 256;

/** Hosts WeChat Pay cannot reach from the internet. */
const isPrivateHost = (host: string) =>
  isIP(host) !== 0 || host === 'localhost' || host.endsWith('.local') || host.endsWith('.internal');

function problemsOf(u: URL, value: string, production: boolean): string[] {
  const problems: string[] = [];
  if (u.search || value.includes('?')) problems.push('has a query string (WeChat Pay drops or rejects it)');
  if (u.hash) problems.push('has a fragment');
  if (u.username || u.password) problems.push('carries credentials');
  if (production) {
    if (u.protocol !== 'https:') problems.push(`uses ${u.protocol.replace(':', '')}, not https`);
    if (isPrivateHost(u.hostname.replace(/^\[|\]$/g, ''))) problems.push('does not name a public domain');
  } else if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    problems.push(`uses ${u.protocol}`);
  }
  const base = `${u.origin}${u.pathname.replace(/\/$/, '')}`;
  const longest = Math.max(...NOTIFY_PATHS.map((p) => `${base}${p}`.length));
  if (longest > MAX_NOTIFY_URL)
    problems.push(`the notify URL would be ${longest} characters (max ${MAX_NOTIFY_URL})`);
  return problems;
}

export const notifyUrl = defineCheck({
  id: 'notify-url',
  title: 'Notification URL',
  needs: [],
  uses: [],
  variables: ['NOTIFY_BASE_URL'],
  run({ sources, mode }) {
    const variable = 'NOTIFY_BASE_URL';
    const production = mode === 'production';
    const configured = sources.env.NOTIFY_BASE_URL;
    const fallback = production ? '' : `http://127.0.0.1:${Number(sources.raw.BFF_PORT) || 8700}`;
    const value = (configured || fallback).replace(/\/$/, '');
    if (!value) return { status: 'fail', variable, detail: 'not set (required in production)', fix: FIX };
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      return { status: 'fail', variable, detail: 'is not a URL', fix: FIX };
    }
    const shown = `${u.origin}${u.pathname.replace(/\/$/, '')}`;
    const problems = problemsOf(u, value, production);
    if (problems.length)
      return { status: 'fail', variable, detail: `${shown} ${problems.join('; ')}`, fix: FIX };
    return {
      status: 'pass',
      variable,
      detail: `${shown}/v1/notify/{edu-papay,password-exempt}${production ? '' : ' (sandbox mode: http allowed)'}`,
    };
  },
});
