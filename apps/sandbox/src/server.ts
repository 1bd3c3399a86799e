import { buildSandbox } from './app.ts';
import { generateDevKeys } from './dev-keys.ts';
import { hasKeyConfig, loadSandboxConfig, loadServerSettings } from './env.ts';

// Process entry: the only place that reads process.env.
const settings = loadServerSettings(process.env);
let env: NodeJS.ProcessEnv = process.env;
if (!hasKeyConfig(env)) {
  const dev = generateDevKeys(settings.dataDir);
  // Explicit env still wins over the generated defaults (e.g. SANDBOX_EDU_NOTIFY_URL, SANDBOX_APP_IDS).
  env = { ...dev.env, ...process.env };
  console.log(`sandbox: no key files configured; using dev keys in ${settings.dataDir}`);
  console.log(`sandbox: merchant-side settings for the BFF: ${dev.file}`);
}
const config = loadSandboxConfig(env);
const app = await buildSandbox(config, { logger: settings.log });
const address = await app.listen({ host: settings.host, port: settings.port });
console.log(`sandbox: WeChat Pay APIv3 sandbox listening on ${config.publicUrl || address}`);
if (!config.merchants[0]?.eduNotifyUrl) {
  console.log('sandbox: SANDBOX_EDU_NOTIFY_URL is not set: edu-papay notifications will not be delivered');
}

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
