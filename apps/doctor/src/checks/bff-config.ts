import { existsSync } from 'node:fs';
import { BffConfigError, loadConfig } from '../bff.ts';
import { defineCheck } from '../check.ts';
import type { Env } from '../sources.ts';

/** The doctor only reads: keep the BFF's loader from generating a missing sandbox admin-token file. */
function withoutGeneration(env: Env): Env {
  const file = env.ADMIN_TOKEN_PATH;
  if (!file || existsSync(file)) return env;
  const { ADMIN_TOKEN_PATH: _omitted, ...rest } = env;
  return rest;
}

export const bffConfig = defineCheck({
  id: 'bff-config',
  title: 'BFF accepts this configuration',
  needs: [],
  uses: [],
  async run({ sources }) {
    try {
      const config = await loadConfig(withoutGeneration(sources.env));
      return {
        status: 'pass',
        detail: `${config.plans.length} plan(s): ${config.plans.map((p) => p.planKey).join(', ')}`,
      };
    } catch (err) {
      if (!(err instanceof BffConfigError)) {
        return {
          status: 'fail',
          detail: 'the BFF could not load its configuration',
          fix: 'see the items above',
        };
      }
      return {
        status: 'fail',
        variable: err.variable,
        detail: `the BFF would refuse to start: ${err.message}`,
        fix: `fix ${err.variable} (see the items above and docs/configuration.md); the BFF stops at the first problem, so run doctor again after each fix`,
      };
    }
  },
});
