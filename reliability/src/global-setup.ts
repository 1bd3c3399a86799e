import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PARTS_DIR, REPORT_FILE } from './paths.ts';

/** Clears the per-scenario counts, and at the end merges them into test-artifacts/reliability.json. */
export default function setup() {
  rmSync(PARTS_DIR, { recursive: true, force: true });
  mkdirSync(PARTS_DIR, { recursive: true });
  const started = Date.now();
  return () => {
    if (!existsSync(PARTS_DIR)) return;
    const scenarios: Record<string, Record<string, unknown>> = {};
    for (const f of readdirSync(PARTS_DIR).sort()) {
      if (f.endsWith('.json'))
        scenarios[f.slice(0, -5)] = JSON.parse(readFileSync(path.join(PARTS_DIR, f), 'utf8'));
    }
    const num = (s: string, k: string) => Number(scenarios[s]?.[k] ?? 0);
    const sum = (k: string) => Object.keys(scenarios).reduce((a, s) => a + num(s, k), 0);
    const faults: Record<string, number> = {};
    for (const s of Object.values(scenarios)) {
      for (const [k, v] of Object.entries((s.faultsInjected as Record<string, number>) ?? {}))
        faults[k] = (faults[k] ?? 0) + v;
    }
    const summary = {
      users: sum('users'),
      notificationsDelivered: sum('notificationDeliveries'),
      notificationsApplied: sum('notificationsApplied'),
      faultsInjected: faults,
      inputsFuzzed: sum('inputsFuzzed'),
      routesCovered: sum('routesCovered'),
      nonConforming: sum('nonConforming'),
      logLinesAudited: sum('logLinesAudited'),
      sensitiveValuesTracked: sum('sensitiveValuesTracked'),
      auditLeaks: sum('auditLeaks'),
      lost: sum('lost'),
      doubled: sum('doubled'),
      unexcused5xx: sum('unexcused5xx'),
      secretLeaks: sum('secretLeaks'),
    };
    const report = {
      generatedAt: new Date().toISOString(),
      wallSeconds: Math.round((Date.now() - started) / 1000),
      summary,
      scenarios,
    };
    writeFileSync(REPORT_FILE, `${JSON.stringify(report, null, 2)}\n`);
    console.log(
      `\n[reliability] TOTAL users=${summary.users} notifications delivered=${summary.notificationsDelivered} ` +
        `applied=${summary.notificationsApplied} faults=${JSON.stringify(faults)} ` +
        `inputs fuzzed=${summary.inputsFuzzed} routes covered=${summary.routesCovered} ` +
        `non-conforming=${summary.nonConforming} lost=${summary.lost} doubled=${summary.doubled} ` +
        `unexcused 5xx=${summary.unexcused5xx} secret leaks=${summary.secretLeaks} ` +
        `log lines audited=${summary.logLinesAudited} values tracked=${summary.sensitiveValuesTracked} ` +
        `leaks=${summary.auditLeaks} (→ ${path.relative(process.cwd(), REPORT_FILE)})\n`,
    );
  };
}
