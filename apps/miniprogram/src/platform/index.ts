import type { KeyValueStore } from '../services/storage.ts';
import { createH5Platform } from './h5.ts';
import type { Platform } from './platform.ts';
import { createWeappPlatform } from './weapp.ts';

export type { Platform, SignStart } from './platform.ts';

/**
 * The only TARO_ENV switch in the app. The build replaces process.env.TARO_ENV with a literal, so the
 * other platform's code is dropped from each bundle.
 */
export function createPlatform(o: { sandboxUrl: string; store: KeyValueStore }): Platform {
  if (process.env.TARO_ENV === 'h5') return createH5Platform(o);
  return createWeappPlatform();
}
