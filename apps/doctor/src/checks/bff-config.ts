import { acceptSettings, BffConfigError } from '../bff.ts';
import { defineCheck } from '../check.ts';

export const bffConfig = defineCheck({
  id: 'bff-config',
  title: 'BFF accepts this configuration',
  needs: [],
  uses: [],
  variables: [],
  run({ sources }) {
    try {
      // loadConfig's verdict on the resolution the doctor already made (no second read of every key file).
      const config = acceptSettings(sources.resolved);
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
        fix: `the BFF names only its first problem: fix ${err.variable} and every other problem listed above (docs/configuration.md)`,
      };
    }
  },
});
