import { isAppId } from './predicates.ts';
import { parseJson, type Sources } from './sources.ts';

/** Login mini-programs: WECHAT_APP_ID/SECRET plus WECHAT_MINI_PROGRAMS(_PATH). */
export function miniPrograms(s: Sources): {
  appId?: string;
  appSecret?: string;
  all: Record<string, string>;
} {
  const all: Record<string, string> = {};
  const appId = s.plain('WECHAT_APP_ID', 'appId');
  const secret = s.secret('WECHAT_APP_SECRET');
  const appSecret = (secret.value ?? s.keysFile.appSecret)?.trim();
  if (!appId) s.problems.add('WECHAT_APP_ID', 'is required', 'the AppID of your mini-program');
  else if (!isAppId(appId))
    s.problems.add(
      'WECHAT_APP_ID',
      'is not an AppID (wx + 16 characters)',
      'copy it from the mini-program settings',
    );
  if (!appSecret) s.problems.add(secret.variable, 'is required', 'the AppSecret of that mini-program');
  if (appId && appSecret) all[appId] = appSecret;
  const more = s.secret('WECHAT_MINI_PROGRAMS');
  if (more.value !== undefined) {
    const fix = 'a JSON object {"wx…": "<AppSecret>", …}';
    const json = parseJson(s, more.variable, more.value, fix);
    if (json !== undefined && (typeof json !== 'object' || json === null || Array.isArray(json)))
      s.problems.add(more.variable, 'is not a JSON object', fix);
    else if (json)
      for (const [id, sec] of Object.entries(json)) {
        if (isAppId(id) && typeof sec === 'string' && sec.trim()) all[id] = sec.trim();
        else
          s.problems.add(more.variable, `has an invalid entry (${isAppId(id) ? id : 'not an AppID'})`, fix);
      }
  }
  return { ...(appId ? { appId } : {}), ...(appSecret ? { appSecret } : {}), all };
}
