import { defineCheck } from '../check.ts';
import { looseFile, looseFix } from '../file-mode.ts';

const FIX =
  'put at least 24 random characters in the file ADMIN_TOKEN_PATH names (e.g. openssl rand -base64 24 > admin-token.txt; chmod 0400 admin-token.txt), or unset it to disable the console';
const STAFF_FIX =
  'one line per person in the file ADMIN_STAFF_TOKENS_PATH names: <name> <token> (e.g. echo "Wang Li $(openssl rand -base64 24)" >> staff-tokens.txt; chmod 0400 staff-tokens.txt)';
const MIN_LENGTH = 24;

export const adminToken = defineCheck({
  id: 'admin-token',
  title: 'Operations console credentials',
  needs: [],
  uses: [],
  variables: ['ADMIN_TOKEN', 'ADMIN_TOKEN_PATH', 'ADMIN_STAFF_TOKENS', 'ADMIN_STAFF_TOKENS_PATH'],
  run({ sources, mode }) {
    const s = sources.secret('ADMIN_TOKEN');
    const staff = sources.secret('ADMIN_STAFF_TOKENS');
    if (s.problem) return { status: 'fail', variable: s.variable, detail: s.problem, fix: FIX };
    if (staff.problem)
      return { status: 'fail', variable: staff.variable, detail: staff.problem, fix: STAFF_FIX };
    if (!s.value && !staff.value)
      return { status: 'skip', variable: s.variable, detail: 'not set: the operations console is disabled' };
    const length = s.value?.trim().length ?? MIN_LENGTH;
    if (length < MIN_LENGTH) {
      return {
        status: 'fail',
        variable: s.variable,
        detail: `is ${length} characters; at least ${MIN_LENGTH} are required`,
        fix: FIX,
      };
    }
    // The staff file's rules are the BFF's (config/admin.ts): its problems, as it words them.
    const staffProblem = sources.resolved.problems.find((p) => p.variable === staff.variable);
    if (staffProblem)
      return { status: 'fail', variable: staff.variable, detail: staffProblem.message, fix: STAFF_FIX };
    const names = sources.resolved.settings?.admin?.staff.map((m) => m.name) ?? [];
    const who = staff.value
      ? `; staff tokens: ${names.length ? names.join(', ') : 'set'}${s.value ? '; shared token set (staff actions then record an unchecked label)' : ''}`
      : '';
    const variable = staff.value ? staff.variable : s.variable;
    const loose = looseFile(mode, s.file) ?? looseFile(mode, staff.file);
    if (loose) {
      return {
        status: 'warn',
        variable: looseFile(mode, s.file) ? s.variable : staff.variable,
        detail: `console enabled at /admin/${who}; ${loose}`,
        fix: looseFix(looseFile(mode, s.file) ? s.file : staff.file),
      };
    }
    return { status: 'pass', variable, detail: `console enabled at /admin/${who}` };
  },
});
