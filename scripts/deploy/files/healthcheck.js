// The container HEALTHCHECK: exit 0 when this host's BFF answers GET /healthz, 1 otherwise (within 2.5 s).
const port = process.env.BFF_PORT || '8700';
try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2500) });
  process.exitCode = res.ok ? 0 : 1;
} catch {
  process.exitCode = 1;
}
