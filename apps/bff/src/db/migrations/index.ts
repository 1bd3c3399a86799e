import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-sessions-contracts.ts';
import * as m0002 from './0002-notification-inbox.ts';
import * as m0003 from './0003-notification-rejections.ts';
import * as m0004 from './0004-contracts-last-reconciled.ts';
import * as m0005 from './0005-members-and-session-app.ts';
import * as m0006 from './0006-notification-rejections-aggregated.ts';
import * as m0007 from './0007-charges.ts';
import * as m0008 from './0008-billing-budget.ts';
import * as m0009 from './0009-contracts-billing-closed.ts';
import * as m0010 from './0010-staff-actions.ts';
import * as m0011 from './0011-charges-open-by-contract.ts';
import * as m0012 from './0012-charge-attempts-unknown.ts';

/** Static list (no directory scanning), so migrations work the same under tsx, vitest and a bundle. */
export const migrationProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      '0001-sessions-contracts': m0001,
      '0002-notification-inbox': m0002,
      '0003-notification-rejections': m0003,
      '0004-contracts-last-reconciled': m0004,
      '0005-members-and-session-app': m0005,
      '0006-notification-rejections-aggregated': m0006,
      '0007-charges': m0007,
      '0008-billing-budget': m0008,
      '0009-contracts-billing-closed': m0009,
      '0010-staff-actions': m0010,
      '0011-charges-open-by-contract': m0011,
      '0012-charge-attempts-unknown': m0012,
    };
  },
};
