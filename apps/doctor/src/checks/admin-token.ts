import { defineCheck } from '../check.ts';
import { looseFile, looseFix } from '../file-mode.ts';

const FIX =
  'put at least 24 random characters in the file ADMIN_TOKEN_PATH names (e.g. openssl rand -base64 24 > admin-token.txt; chmod 0400 admin-token.txt), or unset it to disable the console';
const MIN_LENGTH = 24;

export const adminToken = defineCheck({
  id: 'admin-token',
  title: 'Operations console credential',
  needs: [],
  uses: [],
  variables: ['ADMIN_TOKEN', 'ADMIN_TOKEN_PATH'],
  run({ sources, mode }) {
    const s = sources.secret('ADMIN_TOKEN');
    const variable = s.variable;
    if (s.problem) return { status: 'fail', variable, detail: s.problem, fix: FIX };
    if (!s.value) return { status: 'skip', variable, detail: 'not set: the operations console is disabled' };
    const length = s.value.trim().length;
    if (length < MIN_LENGTH) {
      return {
        status: 'fail',
        variable,
        detail: `is ${length} characters; at least ${MIN_LENGTH} are required`,
        fix: FIX,
      };
    }
    const loose = looseFile(mode, s.file);
    if (loose) {
      return {
        status: 'warn',
        variable,
        detail: `console enabled at /admin/; ${loose}`,
        fix: looseFix(s.file),
      };
    }
    return { status: 'pass', variable, detail: 'console enabled at /admin/' };
  },
});
