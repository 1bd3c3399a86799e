import { DEFAULT_EVENT_TYPES, type EventTypeMap } from '@qianyue/wechatpay';
import type { RawEnv } from './schema.ts';
import { parseJson, type Sources } from './sources.ts';

/** NOTIFY_EVENT_TYPES, checked entry by entry and merged into the documented defaults. */
export function eventTypes(s: Sources, raw: RawEnv): EventTypeMap {
  if (!raw.NOTIFY_EVENT_TYPES) return DEFAULT_EVENT_TYPES;
  const fix = '{"EVENT.TYPE": {"family": "edu-papay" | "password-exempt", "kind": "signed" | "terminated"}}';
  const json = parseJson(s, 'NOTIFY_EVENT_TYPES', raw.NOTIFY_EVENT_TYPES, fix);
  if (json === undefined) return DEFAULT_EVENT_TYPES;
  const ok =
    typeof json === 'object' &&
    json !== null &&
    !Array.isArray(json) &&
    Object.values(json).every(
      (v: { family?: unknown; kind?: unknown }) =>
        (v?.family === 'edu-papay' || v?.family === 'password-exempt') &&
        (v.kind === 'signed' || v.kind === 'terminated'),
    );
  if (!ok)
    return (
      s.problems.add('NOTIFY_EVENT_TYPES', 'has an entry that is not {family, kind}', fix) ??
      DEFAULT_EVENT_TYPES
    );
  // Merged: naming the password-exempt events must not drop the documented edu ones.
  return { ...DEFAULT_EVENT_TYPES, ...(json as EventTypeMap) };
}
