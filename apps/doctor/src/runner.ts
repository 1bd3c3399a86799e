import type { Check, CheckId, DoctorContext, Finding } from './check.ts';
import { CheckOrderError } from './errors.ts';
import type { CheckResult } from './report.ts';

const needsOf = (c: Check) => [...c.needs, ...c.uses];

/**
 * The order to run `checks` in: every check after all it needs or uses (Kahn's algorithm); among checks that
 * are ready together, the listed order decides, so the order is stated by the needs and stable otherwise.
 */
export function orderByNeeds(checks: readonly Check[]): Check[] {
  const listed = new Set(checks.map((c) => c.id));
  for (const c of checks) {
    const unknown = needsOf(c).find((n) => !listed.has(n));
    if (unknown) throw new CheckOrderError(`${c.id} needs ${unknown}, which is not a check`);
  }
  const done = new Set<CheckId>();
  const order: Check[] = [];
  while (order.length < checks.length) {
    const next = checks.find((c) => !done.has(c.id) && needsOf(c).every((n) => done.has(n)));
    if (!next) {
      const stuck = checks.filter((c) => !done.has(c.id)).map((c) => c.id);
      throw new CheckOrderError(`the needs of ${stuck.join(', ')} form a cycle`);
    }
    done.add(next.id);
    order.push(next);
  }
  return order;
}

const usable = (f: Finding<unknown> | undefined) => f?.status === 'pass' || f?.status === 'warn';

/** Why `check` cannot run: each need that did not pass, with what it found; undefined when all passed. */
function blockedBy(check: Check, titles: Map<CheckId, string>, found: Map<CheckId, Finding<unknown>>) {
  const reasons = check.needs
    .filter((n) => !usable(found.get(n)))
    .map((n) => {
      const f = found.get(n)!;
      return `${n} (${titles.get(n)}), which ${f.status === 'fail' ? 'failed' : 'was skipped'}: ${f.detail}`;
    });
  return reasons.length ? `not run: it needs ${reasons.join('; and ')}` : undefined;
}

/** The check threw: only the error's class and code are shown (library messages may quote input). */
function crashed(err: unknown): Finding<never> {
  const code = (err as { code?: unknown }).code;
  return {
    status: 'fail',
    detail: `the check itself failed (${err instanceof Error ? err.name : 'error'}${typeof code === 'string' ? ` ${code}` : ''})`,
    fix: 'run doctor again; if it persists, report it with the output of `doctor --json`',
  };
}

/** Runs `checks` in the order of their needs and reports them in the listed order. */
export async function runChecks(checks: readonly Check[], ctx: DoctorContext): Promise<CheckResult[]> {
  const titles = new Map(checks.map((c) => [c.id, c.title] as const));
  const found = new Map<CheckId, Finding<unknown>>();
  for (const check of orderByNeeds(checks)) {
    const blocked = blockedBy(check, titles, found);
    if (blocked) {
      found.set(check.id, { status: 'skip', detail: blocked });
      continue;
    }
    const given: Record<string, unknown> = {};
    for (const n of needsOf(check)) {
      const f = found.get(n);
      if (f?.fact !== undefined && (usable(f) || check.uses.includes(n))) given[n] = f.fact;
    }
    try {
      found.set(check.id, await check.run(ctx, given as never));
    } catch (err) {
      found.set(check.id, crashed(err));
    }
  }
  return checks.map((c) => {
    const { fact: _fact, ...f } = found.get(c.id)!;
    return { id: c.id, title: c.title, ...f };
  });
}
