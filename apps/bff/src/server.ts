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
  // In-flight requests finish and are answered with Connection: close (http/graceful-close.ts), so closing
  // takes about as long as the slowest of them; past 10 s the process exits (1) without finishing.
  const graceMs = 10_000;
  const onTimeout = () => app.log.error({ graceMs }, 'closing took longer than the grace period; exiting');
  closeWithGrace({ delay: graceMs, onTimeout }, async ({ signal, err }) => {
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
