import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { BffConfigError } from './errors.ts';

// The only file that reads process.env.
async function main() {
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig(process.env);
  } catch (err) {
    // The message names the variable, never its value.
    const message = err instanceof BffConfigError ? err.message : 'configuration could not be loaded';
    process.stderr.write(`qianyue-bff: configuration error: ${message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const app = await buildApp(config);
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an error');
    else app.log.info({ signal }, 'closing');
    await app.close();
  });
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ mode: config.mode, plans: config.plans.map((p) => p.planKey) }, 'qianyue BFF ready');
}

main().catch((err) => {
  process.stderr.write(
    `qianyue-bff: start-up failed: ${err instanceof Error ? err.message : 'unknown error'}\n`,
  );
  process.exit(1);
});
