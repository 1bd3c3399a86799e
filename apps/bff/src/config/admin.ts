import type { AppConfig } from './settings.ts';
import type { Sources } from './sources.ts';

const MIN_LENGTH = 24;
/** The same names the console's X-Staff label allows, so a name reads the same in the staff-action log. */
export const STAFF_NAME = /^[\p{L}\p{N} ._@-]{1,64}$/u;

export type AdminCredentials = NonNullable<AppConfig['admin']>;

/**
 * The console's credentials: one shared ADMIN_TOKEN (staff then name themselves with a label the server
 * cannot check) and/or ADMIN_STAFF_TOKENS, one `<name> <token>` per line, so a staff action records the
 * person whose token made it. Messages name the line, never a token.
 */
export function adminCredentials(s: Sources): AdminCredentials | undefined {
  const shared = s.secret('ADMIN_TOKEN');
  const token = shared.value?.trim();
  if (token && token.length < MIN_LENGTH)
    s.problems.add(
      shared.variable,
      `must be at least ${MIN_LENGTH} characters`,
      'e.g. openssl rand -base64 24 > admin-token',
    );
  const staff = staffTokens(s);
  const credentials: AdminCredentials = {
    ...(token && token.length >= MIN_LENGTH ? { token: Buffer.from(token, 'utf8') } : {}),
    staff,
  };
  if (credentials.token && staff.some((m) => m.token.equals(credentials.token!)))
    s.problems.add(
      'ADMIN_STAFF_TOKENS',
      'gives a staff member the shared ADMIN_TOKEN',
      'each person needs a token of their own (openssl rand -base64 24)',
    );
  return credentials.token || staff.length > 0 ? credentials : undefined;
}

function staffTokens(s: Sources): AdminCredentials['staff'] {
  const src = s.secret('ADMIN_STAFF_TOKENS');
  if (!src.value) return [];
  const out: Array<{ name: string; token: Buffer }> = [];
  const fix = 'one line per person: <name> <token of at least 24 characters> (e.g. openssl rand -base64 24)';
  const lines = src.value.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const wrong = lineProblem(line, out);
    if (typeof wrong === 'string') s.problems.add(src.variable, `line ${i + 1}${wrong}`, fix);
    else out.push(wrong);
  }
  if (out.length === 0 && !s.problems.items.some((p) => p.variable === src.variable))
    s.problems.add(src.variable, 'names no staff member', fix);
  return out;
}

/** What is wrong with one `<name> <token>` line (a suffix for "line N"), or the staff member it names. */
function lineProblem(
  line: string,
  known: ReadonlyArray<{ name: string; token: Buffer }>,
): string | { name: string; token: Buffer } {
  const m = /^(.+?)\s+(\S+)$/.exec(line);
  if (!m) return ' is not "<name> <token>"';
  const name = m[1]!;
  const token = Buffer.from(m[2]!, 'utf8');
  if (!STAFF_NAME.test(name)) return ': the name may hold letters, digits, space and . _ @ -';
  if (m[2]!.length < MIN_LENGTH) return `: the token must be at least ${MIN_LENGTH} characters`;
  if (known.some((o) => o.name === name)) return `: the name ${name} appears twice`;
  if (known.some((o) => o.token.equals(token))) return ": the token is also another person's";
  return { name, token };
}
