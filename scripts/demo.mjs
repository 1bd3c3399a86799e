// The one-command demo: starts the sandbox, the BFF and a static server for the mini-program's H5 build,
// prints where to open them, and stops them all on Ctrl-C. Data and keys live in .data/ and are reused.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startH5Server } from './h5-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const data = path.join(root, '.data');
const host = process.env.DEMO_HOST || '127.0.0.1';
const ports = {
  bff: Number(process.env.BFF_PORT || 8700),
  sandbox: Number(process.env.SANDBOX_PORT || 8701),
  h5: Number(process.env.H5_PORT || 8702),
};
const url = (port) => `http://${host}:${port}`;
const tsx = path.join(root, 'node_modules/.bin/tsx');
const h5Dir = path.join(root, 'apps/miniprogram/dist-h5');

mkdirSync(data, { recursive: true, mode: 0o700 });
/** A random secret file, 0600, created once and kept across runs ('wx': never overwrite a concurrent start's). */
function ensureSecretFile(file, bytes) {
  try {
    writeFileSync(file, `${randomBytes(bytes).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
  }
  return file;
}
// Kept across runs so a returning browser's session stays valid.
const sessionSecretPath = ensureSecretFile(path.join(data, 'session-secret.txt'), 32);
// The operations console's credential: the demo makes it; the BFF only reads ADMIN_TOKEN_PATH.
const adminTokenPath = ensureSecretFile(path.join(data, 'admin-token.txt'), 24);

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function buildH5IfStale() {
  const index = path.join(h5Dir, 'index.html');
  const src = path.join(root, 'apps/miniprogram/src');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(src)) return;
  console.log('demo: building the mini-program (H5)…');
  const r = spawnSync('npx', ['-y', 'pnpm@9.15.9', '--filter', '@qianyue/miniprogram', 'build:h5'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error('the H5 build failed (see above)');
}

const children = [];
function start(name, entry, env) {
  const child = spawn(tsx, [entry], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      for (const line of chunk.split('\n')) if (line.trim()) console.log(`[${name}] ${line}`);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`demo: ${name} exited (${signal ?? code}); stopping the rest`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

async function waitFor(target, name) {
  for (let i = 0; i < 300; i += 1) {
    try {
      const res = await fetch(target);
      if (res.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} did not come up at ${target}`);
}

let stopping = false;
let h5Server;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\ndemo: stopping…');
  h5Server?.close().catch(() => {});
  for (const child of children) child.kill('SIGTERM');
  const deadline = setTimeout(() => {
    for (const child of children) child.kill('SIGKILL');
    process.exit(code || 1);
  }, 8000);
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.on('exit', r))))).then(
    () => {
      clearTimeout(deadline);
      process.exit(code);
    },
  );
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

try {
  buildH5IfStale();
  start('sandbox', 'apps/sandbox/src/server.ts', {
    SANDBOX_HOST: host,
    SANDBOX_PORT: String(ports.sandbox),
    SANDBOX_DATA_DIR: path.join(data, 'keys'),
    SANDBOX_PUBLIC_URL: url(ports.sandbox),
    SANDBOX_EDU_NOTIFY_URL: `${url(ports.bff)}/v1/notify/edu-papay`,
  });
  await waitFor(`${url(ports.sandbox)}/__sandbox/contracts`, 'the sandbox');
  const bffEnv = {
    WECHATPAY_MODE: 'sandbox',
    WECHATPAY_SANDBOX_URL: url(ports.sandbox),
    WECHATPAY_SANDBOX_KEYS_PATH: path.join(data, 'keys/sandbox-merchant.json'),
    BFF_HOST: host,
    BFF_PORT: String(ports.bff),
    NOTIFY_BASE_URL: url(ports.bff),
    DATABASE_URL: process.env.DATABASE_URL || path.join(data, 'pglite'),
    SESSION_SECRET_PATH: sessionSecretPath,
    CORS_ORIGINS: url(ports.h5),
    ADMIN_TOKEN_PATH: adminTokenPath,
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
  };
  // Paths and URLs only (no secret values): lets staff run the doctor against exactly this configuration.
  writeFileSync(
    path.join(data, 'bff.env'),
    Object.entries(bffEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
    { mode: 0o600 },
  );
  start('bff', 'apps/bff/src/server.ts', bffEnv);
  await waitFor(`${url(ports.bff)}/healthz`, 'the BFF');
  h5Server = await startH5Server({
    dir: h5Dir,
    host,
    port: ports.h5,
    config: { bffUrl: url(ports.bff), sandboxUrl: url(ports.sandbox) },
  });
  console.log(`
  Qianyue demo is running (sandbox mode: no real WeChat Pay, throwaway keys in .data/keys)

    mini-program (H5)      ${url(ports.h5)}/
    BFF API                ${url(ports.bff)}/v1/plans   (docs: ${url(ports.bff)}/docs)
    sandbox WeChat Pay     ${url(ports.sandbox)}/   (signed contracts: ${url(ports.sandbox)}/__sandbox/contracts)
    operations console     ${url(ports.bff)}/admin/   (token: cat .data/admin-token.txt)
    check the deployment   set -a; . .data/bff.env; set +a; npx -y pnpm@9.15.9 run doctor

  Open the mini-program, tap a plan's sign button, confirm in the simulated WeChat signing page,
  and you come back to the result. Ctrl-C stops everything; the next run reuses .data/.
`);
} catch (err) {
  console.error(`demo: ${err.message}`);
  stop(1);
}
