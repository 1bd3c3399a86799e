import type { ConfigProblem } from './bff.ts';
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

const EVERY_OTHER = '*';

/** The resolver's problems each check reports: its own variables', and the rest for the `'*'` check. */
function problemsByCheck(checks: readonly Check[], all: ConfigProblem[]) {
  const claimed = new Set(checks.flatMap((c) => c.variables).filter((v) => v !== EVERY_OTHER));
  return new Map(
    checks.map((c) => [
      c.id,
      all.filter((p) =>
        c.variables.includes(EVERY_OTHER) ? !claimed.has(p.variable) : c.variables.includes(p.variable),
      ),
    ]),
  );
}

/**
 * A check never passes a variable the BFF refuses: the resolver's problems turn its finding into a failure
 * that lists each problem and its fix. A failure the check found itself keeps its own words, followed by the
 * BFF's, so the two can be compared.
 */
function withProblems(f: Finding<unknown>, problems: ConfigProblem[]): Finding<unknown> {
  if (problems.length === 0) return f;
  const said = problems.map((p) => `${p.variable} ${p.message}`).join('; ');
  const variables = [...new Set(problems.map((p) => p.variable))].join(', ');
  if (f.status === 'fail')
    return { ...f, detail: `${f.detail} (the BFF: ${said})`, variable: f.variable ?? variables };
  const { fact, ...rest } = f;
  return {
    ...rest,
    ...(fact !== undefined ? { fact } : {}),
    status: 'fail',
    variable: variables,
    detail: problems.map((p) => `${p.variable}: ${p.message}`).join('; '),
    fix: problems.map((p) => `${p.variable}: ${p.fix}`).join('; '),
  };
}

/** Runs `checks` in the order of their needs and reports them in the listed order. */
export async function runChecks(checks: readonly Check[], ctx: DoctorContext): Promise<CheckResult[]> {
  const titles = new Map(checks.map((c) => [c.id, c.title] as const));
  const found = new Map<CheckId, Finding<unknown>>();
  const problems = problemsByCheck(checks, ctx.sources.resolved.problems);
  for (const check of orderByNeeds(checks)) {
    const blocked = blockedBy(check, titles, found);
    if (blocked) {
      found.set(check.id, withProblems({ status: 'skip', detail: blocked }, problems.get(check.id)!));
      continue;
    }
    const given: Record<string, unknown> = {};
    for (const n of needsOf(check)) {
      const f = found.get(n);
      if (f?.fact !== undefined && (usable(f) || check.uses.includes(n))) given[n] = f.fact;
    }
    let finding: Finding<unknown>;
    try {
      finding = await check.run(ctx, given as never);
    } catch (err) {
      finding = crashed(err);
    }
    found.set(check.id, withProblems(finding, problems.get(check.id)!));
  }
  return checks.map((c) => {
    const { fact: _fact, ...f } = found.get(c.id)!;
    return { id: c.id, title: c.title, ...f };
  });
}
