/** One line of the doctor's report. `skip`: not applicable (optional setting absent) or blocked by another failure. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  /** Stable id for machines (`--json`), e.g. `apiv3-key`. */
  id: string;
  title: string;
  status: CheckStatus;
  /** The variable(s) the result is about. */
  variable?: string;
  /** What was found. Never a secret value. */
  detail: string;
  /** What to do about a `fail` or `warn`. */
  fix?: string;
}

export interface DoctorReport {
  /** True when no check failed (warnings and skips do not fail the run). */
  ok: boolean;
  mode: 'sandbox' | 'production';
  checks: CheckResult[];
  /** Every problem the BFF's configuration resolver found, in its order (the BFF stops at the first). */
  problems: Array<{ variable: string; message: string; fix: string }>;
}

const MARK: Record<CheckStatus, string> = { pass: '✔', fail: '✘', warn: '!', skip: '-' };

/** Human output: one line per check, then its fix indented, then a one-line verdict. */
export function formatText(report: DoctorReport): string {
  const lines = [`qianyue doctor (${report.mode} mode)`, ''];
  for (const c of report.checks) {
    const variable = c.variable ? ` [${c.variable}]` : '';
    lines.push(`${MARK[c.status]} ${c.title}${variable}: ${c.detail}`);
    if (c.fix && (c.status === 'fail' || c.status === 'warn')) lines.push(`    fix: ${c.fix}`);
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const warned = report.checks.filter((c) => c.status === 'warn').length;
  lines.push('');
  lines.push(
    failed === 0
      ? `OK: every check passed${warned ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}.`
      : `NOT READY: ${failed} of ${report.checks.length} checks failed; fix them and run doctor again.`,
  );
  return `${lines.join('\n')}\n`;
}

export function formatJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * Last line of defence: no message is built from a secret, but should one ever slip in, every secret value
 * the doctor read (and every long line of a PEM body) is replaced before anything is printed.
 */
export function scrub(text: string, secrets: string[]): string {
  const needles = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    if (s.includes('-----BEGIN')) {
      for (const line of s.split(/\r?\n/)) {
        const t = line.trim();
        if (t.length >= 16 && !t.startsWith('-----')) needles.add(t);
      }
    } else if (s.trim().length >= 6) {
      needles.add(s.trim());
    }
  }
  let out = text;
  for (const n of [...needles].sort((a, b) => b.length - a.length)) out = out.split(n).join('[redacted]');
  return out;
}
