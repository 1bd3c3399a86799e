import { type KeyObject, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import {
  ApiError,
  type Clock,
  certificateInfo,
  createRsaSigner,
  createRsaVerifier,
  createStaticKeyResolver,
  createWechatPayClient,
  DEFAULT_BASE_URL,
  loadApiV3Key,
  loadPrivateKey,
  loadPublicKey,
  type Verifier,
  WechatPayError,
} from '@qianyue/wechatpay';
import { Migrator } from 'kysely';
import type { Dispatcher } from 'undici';
import { BffConfigError, createDatabase, databaseKind, loadConfig, migrationProvider } from './bff.ts';
import {
  isCertificateLabel,
  isPrivateLabel,
  isPublicLabel,
  normalizeHexSerial,
  pemLabels,
  samePublicKey,
  splitCertificates,
} from './pem.ts';
import type { CheckResult, DoctorReport } from './report.ts';
import { describeDatabaseUrl, type Env, resolveSources, type Sources } from './sources.ts';

export interface DoctorOptions {
  clock?: Clock;
  /** undici dispatcher for the signed call (tests). */
  dispatcher?: Dispatcher;
  /** Deadline for the network checks (database, signed call); default: WECHATPAY_TIMEOUT_MS capped at 10 s. */
  timeoutMs?: number;
}

export interface DoctorRun {
  report: DoctorReport;
  /** Every secret value the run read: the caller scrubs printed output with it. */
  secrets: string[];
}

/** What the key checks learnt, for the checks that need working keys (signed call). */
interface Keys {
  mchId?: string;
  merchantSerial?: string;
  privateKey?: KeyObject;
  publicKeyId?: string;
  publicKey?: KeyObject;
  certificates: Array<{ serialNo: string; publicKey: KeyObject }>;
}

const PUBLIC_KEY_ID_FORMAT = /^PUB_KEY_ID_[0-9]{8,}$/;
const WHERE_PUBLIC_KEY = '商户平台 → 账户中心 → API安全 → 微信支付公钥';
const WHERE_CERT = '商户平台 → 账户中心 → API安全 → API证书';

/**
 * Runs every check against `env` — the same variables the BFF reads — and never throws for a bad setting:
 * each problem becomes a `fail` line naming its variable, with a fix. Checks are independent: a broken
 * APIv3 key still lets the signed call run, a bad notify URL still lets the database be checked.
 */
export async function runDoctor(env: Env, o: DoctorOptions = {}): Promise<DoctorRun> {
  const src = resolveSources(env);
  const checks: CheckResult[] = [];
  const keys: Keys = { certificates: [] };
  const add = (c: CheckResult) => checks.push(c);
  const guard = async (id: string, title: string, fn: () => CheckResult | Promise<CheckResult>) => {
    try {
      add(await fn());
    } catch (err) {
      // Unexpected: report the error class and code only (library messages may quote input).
      const code = (err as { code?: unknown }).code;
      add({
        id,
        title,
        status: 'fail',
        detail: `the check itself failed (${err instanceof Error ? err.name : 'error'}${typeof code === 'string' ? ` ${code}` : ''})`,
        fix: 'run doctor again; if it persists, report it with the output of `doctor --json`',
      });
    }
  };
  const timeoutMs = o.timeoutMs ?? Math.min(Number(src.raw.WECHATPAY_TIMEOUT_MS) || 10_000, 10_000);

  await guard('environment', 'Environment variables', () => checkEnvironment(src));
  await guard('sandbox-keys-file', 'Sandbox dev-keys file', () => checkKeysFile(src));
  await guard('merchant-id', 'Merchant number', () => checkMchId(src, keys));
  await guard('merchant-private-key', 'Merchant API private key', () => checkPrivateKey(src, keys));
  await guard('merchant-serial', 'Merchant certificate serial', () => checkMerchantSerial(src, keys));
  await guard('apiv3-key', 'APIv3 key', () => checkApiV3Key(src));
  await guard('wechatpay-public-key', 'WeChat Pay public key', () => checkPublicKey(src, keys));
  await guard('public-key-id', 'WeChat Pay public key id', () => checkPublicKeyId(src, keys));
  await guard('platform-certificates', 'WeChat Pay platform certificates', () =>
    checkPlatformCertificates(src, keys, o.clock),
  );
  await guard('merchant-certificate', 'Merchant certificate matches key and serial', () =>
    checkMerchantCertificate(src, keys, o.clock),
  );
  await guard('notify-url', 'Notification URL', () => checkNotifyUrl(src));
  await guard('database', 'Database reachable and migrated', () => checkDatabase(src, timeoutMs));
  await guard('admin-token', 'Operations console credential', () => checkAdminToken(src));
  await guard('bff-config', 'BFF accepts this configuration', () => checkBffConfig(withoutGeneration(env)));
  await guard('signed-call', 'Signed call to WeChat Pay, answer verified', () =>
    checkSignedCall(src, keys, { ...o, timeoutMs }),
  );

  return {
    report: { ok: checks.every((c) => c.status !== 'fail'), mode: src.mode, checks },
    secrets: src.secretValues(),
  };
}

// ---------------------------------------------------------------------------------------------------------

function checkEnvironment(src: Sources): CheckResult {
  const base = { id: 'environment', title: 'Environment variables' };
  if (src.envProblems.length === 0) {
    return { ...base, status: 'pass', detail: `valid (WECHATPAY_MODE=${src.mode})` };
  }
  return {
    ...base,
    status: 'fail',
    variable: src.envProblems.map((p) => p.variable).join(', '),
    detail: src.envProblems.map((p) => `${p.variable}: ${p.problem}`).join('; '),
    fix: 'set each named variable to a value of the documented type (docs/configuration.md), or unset it to use the default',
  };
}

function checkKeysFile(src: Sources): CheckResult {
  const base = {
    id: 'sandbox-keys-file',
    title: 'Sandbox dev-keys file',
    variable: 'WECHATPAY_SANDBOX_KEYS_PATH',
  };
  if (src.mode !== 'sandbox') return { ...base, status: 'skip', detail: 'production mode: not used' };
  if (!src.keysFile.path)
    return { ...base, status: 'skip', detail: 'not set; keys come from the environment alone' };
  if (src.keysFile.problem) {
    return {
      ...base,
      status: 'fail',
      detail: src.keysFile.problem,
      fix: 'start the sandbox once (it writes .data/keys/sandbox-merchant.json), or point WECHATPAY_SANDBOX_KEYS_PATH at that file',
    };
  }
  return { ...base, status: 'pass', detail: `read ${src.keysFile.path}` };
}

function checkMchId(src: Sources, keys: Keys): CheckResult {
  const s = src.plain('WECHATPAY_MCH_ID', 'mchId');
  const base = { id: 'merchant-id', title: 'Merchant number', variable: s.variable };
  if (!s.value) {
    return {
      ...base,
      status: 'fail',
      detail: 'not set',
      fix: 'set WECHATPAY_MCH_ID to your 商户号 (service-provider number in partner mode)',
    };
  }
  const v = s.value.trim();
  if (!/^[0-9]{8,12}$/.test(v)) {
    return {
      ...base,
      status: 'fail',
      detail: 'is not a merchant number (8–12 digits)',
      fix: 'copy the 商户号 from 商户平台 → 账户中心 → 商户信息 (digits only, no spaces)',
    };
  }
  keys.mchId = v;
  return { ...base, status: 'pass', detail: v };
}

function checkPrivateKey(src: Sources, keys: Keys): CheckResult {
  const s = src.secret('WECHATPAY_PRIVATE_KEY', 'merchantPrivateKeyPath');
  const base = { id: 'merchant-private-key', title: 'Merchant API private key', variable: s.variable };
  const where = `the apiclient_key.pem you generated when applying for the API certificate (${WHERE_CERT})`;
  if (s.problem)
    return { ...base, status: 'fail', detail: s.problem, fix: `make ${s.variable} name ${where}` };
  if (!s.value) {
    return {
      ...base,
      status: 'fail',
      detail: 'not set',
      fix: `set WECHATPAY_PRIVATE_KEY_PATH to ${where}`,
    };
  }
  const labels = pemLabels(s.value);
  if (labels.some((l) => l === 'ENCRYPTED PRIVATE KEY')) {
    return {
      ...base,
      status: 'fail',
      detail: 'holds a passphrase-protected key',
      fix: 'export it without a passphrase (openssl pkcs8 -topk8 -nocrypt -in apiclient_key.pem -out key.pem) and protect the file with chmod 0400 instead',
    };
  }
  if (!labels.some(isPrivateLabel)) {
    const what = labels.some(isCertificateLabel)
      ? 'a certificate (apiclient_cert.pem?)'
      : labels.some(isPublicLabel)
        ? 'a PUBLIC key'
        : labels.length > 0
          ? `a PEM of type ${labels[0]}`
          : 'no PEM block';
    return {
      ...base,
      status: 'fail',
      detail: `holds ${what}, not a private key`,
      fix: `point ${s.variable} at ${where}: it starts with -----BEGIN PRIVATE KEY-----`,
    };
  }
  let key: KeyObject;
  try {
    key = loadPrivateKey(s.value, s.variable);
  } catch {
    return {
      ...base,
      status: 'fail',
      detail: 'is not a readable RSA private key (PKCS#8 or PKCS#1 PEM)',
      fix: `replace it with ${where}; check the file was copied whole (no missing lines)`,
    };
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) {
    return {
      ...base,
      status: 'fail',
      detail: `RSA ${bits}-bit: WeChat Pay requires 2048 bits or more`,
      fix: `apply for a new API certificate in ${WHERE_CERT} and use its key`,
    };
  }
  keys.privateKey = key;
  const loose = looseFile(src, s.file);
  if (loose) return { ...base, status: 'warn', detail: `RSA ${bits}-bit; ${loose}`, fix: looseFix(s.file) };
  return { ...base, status: 'pass', detail: `RSA ${bits}-bit private key` };
}

/** In production a key file readable by group or others is a finding (the BFF still works). */
function looseFile(src: Sources, file: string | undefined): string | undefined {
  if (src.mode !== 'production' || !file || process.platform === 'win32') return undefined;
  try {
    const mode = statSync(file).mode & 0o777;
    return mode & 0o077 ? `file mode ${mode.toString(8)} lets other users read it` : undefined;
  } catch {
    return undefined;
  }
}
const looseFix = (file: string | undefined) =>
  `chmod 0400 ${file ?? '<file>'} and make it owned by the BFF's user`;

function checkMerchantSerial(src: Sources, keys: Keys): CheckResult {
  const s = src.plain('WECHATPAY_MERCHANT_SERIAL_NO', 'merchantSerialNo');
  const base = { id: 'merchant-serial', title: 'Merchant certificate serial', variable: s.variable };
  const fix = `copy the serial of YOUR API certificate from ${WHERE_CERT} (or: openssl x509 -in apiclient_cert.pem -noout -serial)`;
  if (!s.value) return { ...base, status: 'fail', detail: 'not set', fix };
  const v = s.value.trim().toUpperCase();
  if (v.startsWith('PUB_KEY_ID_')) {
    return {
      ...base,
      status: 'fail',
      detail: 'holds a WeChat Pay public key id (PUB_KEY_ID_…), not your merchant certificate serial',
      fix: `${fix}; the PUB_KEY_ID_… value belongs in WECHATPAY_PUBLIC_KEY_ID`,
    };
  }
  if (!/^[0-9A-F]{8,64}$/.test(v.replace(/:/g, ''))) {
    return { ...base, status: 'fail', detail: 'is not a hexadecimal certificate serial', fix };
  }
  const platform = platformSerials(src);
  if (platform.includes(normalizeHexSerial(v))) {
    return {
      ...base,
      status: 'fail',
      detail: 'is the serial of a WeChat Pay platform certificate, not of your merchant certificate',
      fix: `${fix}; a merchant serial in a WeChat Pay slot (or the reverse) makes every call fail with 401 SIGN_ERROR`,
    };
  }
  keys.merchantSerial = v;
  return { ...base, status: 'pass', detail: v };
}

function platformSerials(src: Sources): string[] {
  const s = src.secret('WECHATPAY_PLATFORM_CERT');
  if (!s.value) return [];
  const out: string[] = [];
  for (const pem of splitCertificates(s.value)) {
    try {
      out.push(normalizeHexSerial(certificateInfo(pem).serialNo));
    } catch {}
  }
  return out;
}

function checkApiV3Key(src: Sources): CheckResult {
  const s = src.secret('WECHATPAY_APIV3_KEY', 'apiV3KeyPath');
  const base = { id: 'apiv3-key', title: 'APIv3 key', variable: s.variable };
  const fix =
    'copy the 32-character APIv3 key you set in 商户平台 → 账户中心 → API安全 → 设置APIv3密钥 (a file may end with one newline; nothing else). If nobody knows it, set a new one there and update every replica at once';
  if (s.problem) return { ...base, status: 'fail', detail: s.problem, fix };
  if (!s.value) return { ...base, status: 'fail', detail: 'not set', fix };
  if (pemLabels(s.value).length > 0) {
    return { ...base, status: 'fail', detail: 'holds a PEM key or certificate, not the APIv3 key', fix };
  }
  const bytes = Buffer.byteLength(s.value.trim(), 'utf8');
  if (bytes !== 32) {
    return { ...base, status: 'fail', detail: `is ${bytes} bytes; it must be exactly 32`, fix };
  }
  if (!/^[\x21-\x7e]+$/.test(s.value.trim())) {
    return { ...base, status: 'fail', detail: 'contains characters other than printable ASCII', fix };
  }
  try {
    loadApiV3Key(s.value, s.variable);
  } catch {
    return { ...base, status: 'fail', detail: 'is not accepted as an APIv3 key', fix };
  }
  const loose = looseFile(src, s.file);
  if (loose) return { ...base, status: 'warn', detail: `32 bytes; ${loose}`, fix: looseFix(s.file) };
  return { ...base, status: 'pass', detail: '32 bytes' };
}

function checkPublicKey(src: Sources, keys: Keys): CheckResult {
  const s = src.secret('WECHATPAY_PUBLIC_KEY', 'wechatpayPublicKeyPath');
  const base = { id: 'wechatpay-public-key', title: 'WeChat Pay public key', variable: s.variable };
  const fix = `download the WeChat Pay public key (pub_key.pem) from ${WHERE_PUBLIC_KEY} and point WECHATPAY_PUBLIC_KEY_PATH at it`;
  if (s.problem) return { ...base, status: 'fail', detail: s.problem, fix };
  if (!s.value) {
    if (src.secret('WECHATPAY_PLATFORM_CERT').value) {
      return {
        ...base,
        status: 'skip',
        detail: 'not set: platform-certificate mode (WeChat Pay is moving merchants to the public key)',
      };
    }
    return {
      ...base,
      status: 'fail',
      detail: 'no way to verify WeChat Pay: neither a public key nor platform certificates are configured',
      fix: `${fix}, and set WECHATPAY_PUBLIC_KEY_ID`,
    };
  }
  const labels = pemLabels(s.value);
  if (labels.some(isPrivateLabel)) {
    const own = keys.privateKey && tryLoadPrivate(s.value, keys.privateKey);
    return {
      ...base,
      status: 'fail',
      detail: own
        ? 'holds YOUR merchant private key, not the WeChat Pay public key'
        : 'holds a PRIVATE key; WeChat Pay never gives you its private key',
      fix: `${fix}; it starts with -----BEGIN PUBLIC KEY-----. Remove the private key from this location`,
    };
  }
  if (labels.some(isCertificateLabel)) {
    return {
      ...base,
      status: 'fail',
      detail: 'holds a certificate',
      fix: `${fix}; platform certificates go in WECHATPAY_PLATFORM_CERT_PATH, and your own apiclient_cert.pem in WECHATPAY_MERCHANT_CERT_PATH`,
    };
  }
  let key: KeyObject;
  try {
    key = loadPublicKey(s.value, s.variable);
  } catch {
    return { ...base, status: 'fail', detail: 'is not a readable RSA public key PEM', fix };
  }
  if (keys.privateKey && samePublicKey(key, keys.privateKey)) {
    return {
      ...base,
      status: 'fail',
      detail: "is your merchant's own public key, not WeChat Pay's",
      fix,
    };
  }
  keys.publicKey = key;
  return {
    ...base,
    status: 'pass',
    detail: `RSA ${key.asymmetricKeyDetails?.modulusLength ?? '?'}-bit public key`,
  };
}

function tryLoadPrivate(pem: string, merchant: KeyObject): boolean {
  try {
    return samePublicKey(loadPrivateKey(pem), merchant);
  } catch {
    return false;
  }
}

function checkPublicKeyId(src: Sources, keys: Keys): CheckResult {
  const s = src.plain('WECHATPAY_PUBLIC_KEY_ID', 'wechatpayPublicKeyId');
  const base = { id: 'public-key-id', title: 'WeChat Pay public key id', variable: s.variable };
  const fix = `copy the id shown next to the key in ${WHERE_PUBLIC_KEY}; it looks like PUB_KEY_ID_0114232134912410000000000000`;
  const hasKey = Boolean(src.secret('WECHATPAY_PUBLIC_KEY', 'wechatpayPublicKeyPath').value);
  if (!s.value) {
    if (!hasKey) return { ...base, status: 'skip', detail: 'not set (no WeChat Pay public key configured)' };
    return { ...base, status: 'fail', detail: 'not set, but a WeChat Pay public key is', fix };
  }
  const v = s.value.trim();
  if (!PUBLIC_KEY_ID_FORMAT.test(v)) {
    const hint = /^[0-9A-F]{16,}$/i.test(v)
      ? 'looks like a certificate serial, not a public key id'
      : v.toUpperCase() === v || !v.toUpperCase().startsWith('PUB_KEY_ID_')
        ? 'does not have the form PUB_KEY_ID_ followed by digits'
        : 'has the wrong letter case';
    return { ...base, status: 'fail', detail: `${hint}`, fix };
  }
  if (!hasKey) {
    return {
      ...base,
      status: 'fail',
      detail: 'set, but no WeChat Pay public key is configured',
      fix: `download pub_key.pem from ${WHERE_PUBLIC_KEY} and set WECHATPAY_PUBLIC_KEY_PATH`,
    };
  }
  keys.publicKeyId = v;
  return { ...base, status: 'pass', detail: v };
}

function checkPlatformCertificates(src: Sources, keys: Keys, clock?: Clock): CheckResult {
  const s = src.secret('WECHATPAY_PLATFORM_CERT');
  const base = {
    id: 'platform-certificates',
    title: 'WeChat Pay platform certificates',
    variable: s.variable,
  };
  const fix =
    'download the current platform certificates (GET /v3/certificates, e.g. with the official certificate downloader) or, better, move to the WeChat Pay public key (docs/operations.md, key rotation)';
  if (s.problem) return { ...base, status: 'fail', detail: s.problem, fix };
  if (!s.value) return { ...base, status: 'skip', detail: 'not set (public-key mode)' };
  const pems = splitCertificates(s.value);
  if (pems.length === 0) {
    return {
      ...base,
      status: 'fail',
      detail: pemLabels(s.value).some(isPrivateLabel)
        ? 'holds a private key, not certificates'
        : 'holds no PEM certificate',
      fix,
    };
  }
  const now = (clock?.now() ?? Date.now() / 1000) * 1000;
  const found: string[] = [];
  const expired: string[] = [];
  const soon: string[] = [];
  for (const pem of pems) {
    let info: ReturnType<typeof certificateInfo>;
    try {
      info = certificateInfo(pem);
    } catch {
      return { ...base, status: 'fail', detail: 'holds a certificate that cannot be read', fix };
    }
    found.push(info.serialNo);
    if (info.notAfter.getTime() < now) expired.push(info.serialNo);
    else if (info.notAfter.getTime() - now < 30 * 86_400_000) soon.push(info.serialNo);
    else keys.certificates.push({ serialNo: info.serialNo, publicKey: info.publicKey });
  }
  if (expired.length === pems.length) {
    return { ...base, status: 'fail', detail: `every certificate has expired (${expired.join(', ')})`, fix };
  }
  const note = expired.length ? `; expired: ${expired.join(', ')}` : '';
  if (soon.length) {
    for (const pem of pems) {
      const info = certificateInfo(pem);
      if (soon.includes(info.serialNo))
        keys.certificates.push({ serialNo: info.serialNo, publicKey: info.publicKey });
    }
    return {
      ...base,
      status: 'warn',
      detail: `${found.join(', ')}; expiring within 30 days: ${soon.join(', ')}${note}`,
      fix,
    };
  }
  return {
    ...base,
    status: expired.length ? 'warn' : 'pass',
    detail: `${found.join(', ')}${note}`,
    ...(expired.length ? { fix } : {}),
  };
}

function checkMerchantCertificate(src: Sources, keys: Keys, clock?: Clock): CheckResult {
  const s = src.secret('WECHATPAY_MERCHANT_CERT');
  const base = {
    id: 'merchant-certificate',
    title: 'Merchant certificate matches key and serial',
    variable: s.variable,
  };
  if (!s.value && !s.problem) {
    return {
      ...base,
      status: 'skip',
      detail:
        'WECHATPAY_MERCHANT_CERT_PATH not set (optional: set it to apiclient_cert.pem to check the key/serial pair)',
    };
  }
  const fix = `download apiclient_cert.pem for the key you use from ${WHERE_CERT}; key, certificate and WECHATPAY_MERCHANT_SERIAL_NO must all come from the same application`;
  if (s.problem) return { ...base, status: 'fail', detail: s.problem, fix };
  let info: ReturnType<typeof certificateInfo>;
  try {
    info = certificateInfo(s.value ?? '');
  } catch {
    return { ...base, status: 'fail', detail: 'is not a readable X.509 certificate PEM', fix };
  }
  const problems: string[] = [];
  if (!keys.privateKey)
    problems.push('the private key could not be loaded (see above), so it was not compared');
  else if (!samePublicKey(info.publicKey, keys.privateKey))
    problems.push('the private key does NOT belong to this certificate');
  const configured = src.plain('WECHATPAY_MERCHANT_SERIAL_NO', 'merchantSerialNo').value;
  if (configured && normalizeHexSerial(configured) !== normalizeHexSerial(info.serialNo))
    problems.push(`WECHATPAY_MERCHANT_SERIAL_NO differs from the certificate's serial ${info.serialNo}`);
  const now = (clock?.now() ?? Date.now() / 1000) * 1000;
  if (info.notAfter.getTime() < now)
    problems.push(`the certificate expired on ${info.notAfter.toISOString().slice(0, 10)}`);
  if (problems.length) return { ...base, status: 'fail', detail: problems.join('; '), fix };
  return {
    ...base,
    status: 'pass',
    detail: `serial ${info.serialNo} matches the private key, valid until ${info.notAfter.toISOString().slice(0, 10)}`,
  };
}

function checkNotifyUrl(src: Sources): CheckResult {
  const configured = src.env.NOTIFY_BASE_URL;
  const base = { id: 'notify-url', title: 'Notification URL', variable: 'NOTIFY_BASE_URL' };
  const production = src.mode === 'production';
  const fix =
    'set NOTIFY_BASE_URL to the public https origin (and optional path) of your BFF, e.g. https://pay.example.com — no query string, no fragment, no IP address (docs/deploy.md)';
  const value = (
    configured || (production ? '' : `http://127.0.0.1:${Number(src.raw.BFF_PORT) || 8700}`)
  ).replace(/\/$/, '');
  if (!value) return { ...base, status: 'fail', detail: 'not set (required in production)', fix };
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return { ...base, status: 'fail', detail: 'is not a URL', fix };
  }
  const problems: string[] = [];
  if (u.search || value.includes('?')) problems.push('has a query string (WeChat Pay drops or rejects it)');
  if (u.hash) problems.push('has a fragment');
  if (u.username || u.password) problems.push('carries credentials');
  if (production) {
    if (u.protocol !== 'https:') problems.push(`uses ${u.protocol.replace(':', '')}, not https`);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) || host === 'localhost' || host.endsWith('.local') || host.endsWith('.internal'))
      problems.push('does not name a public domain');
  } else if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    problems.push(`uses ${u.protocol}`);
  }
  const longest = `${u.origin}${u.pathname.replace(/\/$/, '')}/v1/notify/password-exempt`;
  if (longest.length > 256) problems.push(`the notify URL would be ${longest.length} characters (max 256)`);
  const shown = `${u.origin}${u.pathname.replace(/\/$/, '')}`;
  if (problems.length) return { ...base, status: 'fail', detail: `${shown} ${problems.join('; ')}`, fix };
  return {
    ...base,
    status: 'pass',
    detail: `${shown}/v1/notify/{edu-papay,password-exempt}${production ? '' : ' (sandbox mode: http allowed)'}`,
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function checkDatabase(src: Sources, timeoutMs: number): Promise<CheckResult> {
  const url = String(src.env.DATABASE_URL ?? '');
  const shown = describeDatabaseUrl(url);
  const base = { id: 'database', title: 'Database reachable and migrated', variable: 'DATABASE_URL' };
  const production = src.mode === 'production';
  if (url.startsWith('memory://')) {
    return production
      ? {
          ...base,
          status: 'fail',
          detail: `${shown}: every restart loses all contracts`,
          fix: 'set DATABASE_URL=postgres://user:password@host:5432/qianyue (docs/deploy.md)',
        }
      : {
          ...base,
          status: 'warn',
          detail: `${shown}: nothing persists; the BFF migrates it at start`,
          fix: 'use a directory or postgres:// URL to keep data',
        };
  }
  const kind = databaseKind(url);
  if (kind === 'pglite') {
    const dir = path.resolve(url || '.data/pglite');
    if (!existsSync(path.join(dir, 'PG_VERSION'))) {
      return {
        ...base,
        status: 'fail',
        detail: `no PGlite database in ${dir}`,
        fix: 'start the BFF once from the same working directory (it creates and migrates the database), or set DATABASE_URL to the directory it uses',
      };
    }
  }
  const db = createDatabase(url);
  try {
    let migrations: Awaited<ReturnType<Migrator['getMigrations']>>;
    try {
      migrations = await withTimeout(
        (async () => {
          await db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
          return new Migrator({ db, provider: migrationProvider }).getMigrations();
        })(),
        timeoutMs,
      );
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const why =
        code === 'ECONNREFUSED'
          ? 'connection refused'
          : code === 'ENOTFOUND'
            ? 'host not found'
            : code === 'ETIMEDOUT'
              ? `no answer within ${timeoutMs} ms`
              : code === '28P01'
                ? 'password authentication failed'
                : code === '3D000'
                  ? 'database does not exist'
                  : typeof code === 'string'
                    ? `error ${code}`
                    : 'cannot connect';
      return {
        ...base,
        status: 'fail',
        detail: `${shown}: ${why}`,
        fix:
          kind === 'postgres'
            ? 'check host, port, user, password and database name in DATABASE_URL, that PostgreSQL is running, and that this host may connect (pg_hba.conf, security groups)'
            : 'stop other processes using this PGlite directory (one process at a time), or check its permissions',
      };
    }
    const pending = migrations.filter((m) => !m.executedAt).map((m) => m.name);
    if (pending.length) {
      return {
        ...base,
        status: 'fail',
        detail: `${shown}: reachable, but ${pending.length} migration(s) not applied: ${pending.join(', ')}`,
        fix: 'start one BFF (it applies migrations at start-up under an advisory lock), then run doctor again',
      };
    }
    return {
      ...base,
      status: 'pass',
      detail: `${shown}: reachable, ${migrations.length} migrations applied`,
    };
  } finally {
    await db.destroy().catch(() => {});
  }
}

function checkAdminToken(src: Sources): CheckResult {
  const s = src.secret('ADMIN_TOKEN');
  const base = { id: 'admin-token', title: 'Operations console credential', variable: s.variable };
  const fix =
    'put at least 24 random characters in the file ADMIN_TOKEN_PATH names (e.g. openssl rand -base64 24 > admin-token.txt; chmod 0400 admin-token.txt)';
  if (s.problem) {
    if (src.mode === 'sandbox' && s.problem === 'names a file that does not exist')
      return {
        ...base,
        status: 'pass',
        detail: 'file missing: the BFF generates it at start (sandbox mode)',
      };
    return { ...base, status: 'fail', detail: s.problem, fix };
  }
  if (!s.value) return { ...base, status: 'skip', detail: 'not set: the operations console is disabled' };
  const length = s.value.trim().length;
  if (length < 24)
    return { ...base, status: 'fail', detail: `is ${length} characters; at least 24 are required`, fix };
  const loose = looseFile(src, s.file);
  if (loose)
    return { ...base, status: 'warn', detail: `console enabled at /admin/; ${loose}`, fix: looseFix(s.file) };
  return { ...base, status: 'pass', detail: 'console enabled at /admin/' };
}

/** The doctor only reads: keep the BFF's loader from generating a missing sandbox admin-token file. */
function withoutGeneration(env: Env): Env {
  const file = env.ADMIN_TOKEN_PATH;
  if (!file || existsSync(file)) return env;
  const { ADMIN_TOKEN_PATH: _omitted, ...rest } = env;
  return rest;
}

async function checkBffConfig(env: Env): Promise<CheckResult> {
  const base = { id: 'bff-config', title: 'BFF accepts this configuration' };
  try {
    const config = await loadConfig(env);
    return {
      ...base,
      status: 'pass',
      detail: `${config.plans.length} plan(s): ${config.plans.map((p) => p.planKey).join(', ')}`,
    };
  } catch (err) {
    if (err instanceof BffConfigError) {
      return {
        ...base,
        status: 'fail',
        variable: err.variable,
        detail: `the BFF would refuse to start: ${err.message}`,
        fix: `fix ${err.variable} (see the items above and docs/configuration.md); the BFF stops at the first problem, so run doctor again after each fix`,
      };
    }
    return {
      ...base,
      status: 'fail',
      detail: 'the BFF could not load its configuration',
      fix: 'see the items above',
    };
  }
}

/** Counts verified signatures, so a verified error answer can be told from an unsigned one. */
function countingVerifier(inner: Verifier) {
  const seen: string[] = [];
  const verifier: Verifier = {
    verify(serial, message, signature) {
      inner.verify(serial, message, signature);
      seen.push(serial);
    },
  };
  return { verifier, seen };
}

async function checkSignedCall(
  src: Sources,
  keys: Keys,
  o: DoctorOptions & { timeoutMs: number },
): Promise<CheckResult> {
  const sandbox = src.mode === 'sandbox';
  const sandboxUrl = (src.env.WECHATPAY_SANDBOX_URL || 'http://127.0.0.1:8701').replace(/\/$/, '');
  const baseUrl = (src.env.WECHATPAY_BASE_URL || (sandbox ? sandboxUrl : DEFAULT_BASE_URL)).replace(
    /\/$/,
    '',
  );
  const base = {
    id: 'signed-call',
    title: 'Signed call to WeChat Pay, answer verified',
    variable: src.env.WECHATPAY_BASE_URL
      ? 'WECHATPAY_BASE_URL'
      : sandbox
        ? 'WECHATPAY_SANDBOX_URL'
        : undefined,
  };
  const missing: string[] = [];
  if (!keys.mchId) missing.push('merchant number');
  if (!keys.privateKey) missing.push('merchant private key');
  if (!keys.merchantSerial) missing.push('merchant serial');
  const verification: Record<string, KeyObject> = {};
  if (keys.publicKey) {
    // An id with a typo is still used: the call then shows which id WeChat Pay actually signs with.
    const id = keys.publicKeyId ?? src.plain('WECHATPAY_PUBLIC_KEY_ID', 'wechatpayPublicKeyId').value?.trim();
    if (id) verification[id] = keys.publicKey;
  }
  for (const c of keys.certificates) verification[c.serialNo] = c.publicKey;
  if (Object.keys(verification).length === 0) missing.push('a WeChat Pay public key or platform certificate');
  if (missing.length) {
    return {
      ...base,
      status: 'skip',
      detail: `not attempted: needs a working ${missing.join(', ')} (see the failures above)`,
    };
  }
  const signer = createRsaSigner({
    mchId: keys.mchId!,
    serialNo: keys.merchantSerial!,
    privateKey: keys.privateKey!,
  });
  const resolver = createStaticKeyResolver({
    keys: verification,
    ...(keys.publicKeyId && verification[keys.publicKeyId] ? { preferred: keys.publicKeyId } : {}),
  });
  const counting = countingVerifier(createRsaVerifier(resolver));
  let client: ReturnType<typeof createWechatPayClient>;
  try {
    client = createWechatPayClient({
      baseUrl,
      signer,
      verifier: counting.verifier,
      resolver,
      timeoutMs: o.timeoutMs,
      userAgent: 'qianyue-doctor/0.1.0',
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
    });
  } catch {
    return {
      ...base,
      status: 'fail',
      detail: 'the merchant serial is also configured as a WeChat Pay verification key',
      fix: 'WECHATPAY_MERCHANT_SERIAL_NO must be your API certificate serial; WeChat Pay serials/ids go in WECHATPAY_PUBLIC_KEY_ID or the platform certificates',
    };
  }

  const plans = planTargets(src);
  const appId = src.plain('WECHAT_APP_ID', 'appId').value ?? 'wx0000000000000000';
  const openid = `o_doctor_${randomBytes(9).toString('base64url')}`;
  const outCode = `doctor${randomBytes(12).toString('hex')}`;
  const op = plans.eduPlanId
    ? {
        label: 'GET /v3/edu-papay/user/{throwaway openid}/contracts',
        run: () =>
          client.eduPapay.queryByUser(openid, {
            appid: appId,
            plan_id: plans.eduPlanId!,
            offset: 0,
            limit: 1,
          }),
      }
    : {
        label: 'GET /v3/password-exempt-contract/…/out-contract-code/{throwaway code}',
        run: () => client.passwordExempt.queryByOutContractCode(plans.serviceId ?? 1, outCode),
      };
  const verifiedBy = () => (counting.seen.length ? ` with ${counting.seen[counting.seen.length - 1]}` : '');
  try {
    await op.run();
    return {
      ...base,
      status: 'pass',
      detail: `${baseUrl}: ${op.label} answered 2xx; answer signature verified${verifiedBy()}`,
    };
  } catch (err) {
    return explainCallFailure(err, {
      base,
      baseUrl,
      label: op.label,
      verified: counting.seen.length > 0,
      verifiedBy: verifiedBy(),
    });
  } finally {
    await client.close().catch(() => {});
  }
}

function planTargets(src: Sources): { eduPlanId?: string; serviceId?: number } {
  const text = src.env.PLANS;
  let plans: unknown;
  if (text) {
    try {
      plans = JSON.parse(text);
    } catch {}
  }
  if (Array.isArray(plans)) {
    const edu = plans.find((p) => p?.family === 'edu-papay' && typeof p.planId === 'string');
    const qs = plans.find((p) => p?.family === 'password-exempt' && Number.isInteger(p.serviceId));
    return { ...(edu ? { eduPlanId: edu.planId } : {}), ...(qs ? { serviceId: qs.serviceId } : {}) };
  }
  const k = src.keysFile.data;
  return {
    eduPlanId: k.eduPlans?.[0] ?? '101164396123311331',
    ...(k.qsServices?.[0] ? { serviceId: k.qsServices[0] } : {}),
  };
}

function explainCallFailure(
  err: unknown,
  c: {
    base: Omit<CheckResult, 'status' | 'detail'>;
    baseUrl: string;
    label: string;
    verified: boolean;
    verifiedBy: string;
  },
): CheckResult {
  const { base, baseUrl } = c;
  const signFix =
    'WECHATPAY_MCH_ID, WECHATPAY_MERCHANT_SERIAL_NO and the merchant private key must belong together: take the serial of the API certificate issued for THIS key (openssl x509 -in apiclient_cert.pem -noout -serial), and set WECHATPAY_MERCHANT_CERT_PATH so doctor can compare them';
  if (err instanceof ApiError) {
    const what = `HTTP ${err.status} ${err.apiCode ?? ''}`.trim();
    if (err.status === 401) {
      return {
        ...base,
        status: 'fail',
        detail: `${baseUrl} refused our request signature (${what}): the merchant key, serial or merchant number is wrong${c.verified ? '; the answer itself verified' : ''}`,
        fix: signFix,
      };
    }
    if (err.status >= 500) {
      return {
        ...base,
        status: 'fail',
        detail: `${baseUrl} answered ${what}`,
        fix: 'WeChat Pay is having trouble: run doctor again in a few minutes',
      };
    }
    if (!c.verified) {
      return {
        ...base,
        status: 'warn',
        detail: `${baseUrl}: ${c.label} answered ${what} without a signature, so the answer could not be verified (our request signature was accepted)`,
        fix: 'nothing to change if the other checks pass; WeChat Pay does not always sign error answers',
      };
    }
    return {
      ...base,
      status: err.status === 429 ? 'warn' : 'pass',
      detail: `${baseUrl}: ${c.label} answered ${what} (expected for a throwaway user); answer signature verified${c.verifiedBy}`,
      ...(err.status === 429 ? { fix: 'rate limited: run doctor again in a minute' } : {}),
    };
  }
  if (!(err instanceof WechatPayError)) {
    return {
      ...base,
      status: 'fail',
      detail: `${baseUrl}: unexpected error`,
      fix: 'run doctor again; report the output of doctor --json',
    };
  }
  switch (err.code) {
    case 'WECHATPAY_SIGNATURE_INVALID':
    case 'WECHATPAY_SIGNATURE_PROBE':
      return {
        ...base,
        status: 'fail',
        detail: `${baseUrl}: the answer's signature does NOT verify with the configured WeChat Pay key — it is not the key WeChat Pay signs with`,
        fix: `download the current WeChat Pay public key from ${WHERE_PUBLIC_KEY} into WECHATPAY_PUBLIC_KEY_PATH (or the current platform certificates); every notification would be rejected until then`,
      };
    case 'WECHATPAY_SERIAL_UNKNOWN': {
      const serial = (err as { serial?: string }).serial ?? '?';
      return {
        ...base,
        status: 'fail',
        detail: `${baseUrl}: WeChat Pay signed the answer with ${serial}, which is not configured`,
        fix: serial.startsWith('PUB_KEY_ID_')
          ? `set WECHATPAY_PUBLIC_KEY_ID=${serial} with the matching public key from ${WHERE_PUBLIC_KEY}`
          : `add the platform certificate ${serial} to WECHATPAY_PLATFORM_CERT_PATH, or move to the WeChat Pay public key`,
      };
    }
    case 'WECHATPAY_CLOCK_SKEW':
      return {
        ...base,
        status: 'fail',
        detail: `${baseUrl}: this host's clock is ${(err as { skewSeconds?: number }).skewSeconds ?? '?'} s away from WeChat Pay's`,
        fix: 'enable time synchronisation (chrony or systemd-timesyncd); signatures older than 5 minutes are refused both ways',
      };
    case 'WECHATPAY_HEADER_MISSING':
    case 'WECHATPAY_SIGNATURE_TYPE_UNSUPPORTED':
      return {
        ...base,
        status: 'fail',
        detail: `${baseUrl}: the answer carries no WeChat Pay signature — this endpoint is not WeChat Pay (a proxy or captive portal?)`,
        fix: 'point WECHATPAY_BASE_URL at https://api.mch.weixin.qq.com (or unset it) and check outbound proxies',
      };
    case 'WECHATPAY_TRANSPORT_TIMEOUT':
    case 'WECHATPAY_TRANSPORT_FAILED':
      return {
        ...base,
        status: 'fail',
        detail: `${baseUrl}: ${err.code === 'WECHATPAY_TRANSPORT_TIMEOUT' ? 'no answer in time' : 'cannot connect'}`,
        fix: 'check DNS, outbound firewall rules and proxies from this host to the WeChat Pay API (in sandbox mode: is the sandbox running at WECHATPAY_SANDBOX_URL?)',
      };
    default:
      return {
        ...base,
        status: 'fail',
        detail: `${baseUrl}: the answer could not be verified (${err.code})`,
        fix: 'compare WECHATPAY_PUBLIC_KEY_PATH / WECHATPAY_PUBLIC_KEY_ID with 商户平台, and check the clock',
      };
  }
}
