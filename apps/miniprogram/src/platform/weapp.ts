import Taro from '@tarojs/taro';
import { ApiError } from '../services/errors.ts';
import { isUserCancel, type Platform, type SignStart } from './platform.ts';

export function createWeappPlatform(): Platform {
  return {
    name: 'weapp',
    async loginCode() {
      try {
        const res = await Taro.login();
        if (!res.code) throw new Error('no code');
        return res.code;
      } catch {
        throw new ApiError('MP_LOGIN_FAILED', { message: 'Taro.login failed' });
      }
    },
    startSign({ navigate }) {
      // Exactly the BFF's target, nothing added or renamed. The promise form only: Taro's promise rejects on
      // `fail` even when callbacks are passed, so callbacks would leave an unhandled rejection behind.
      return Taro.navigateToMiniProgram({
        appId: navigate.appId,
        path: navigate.path,
        extraData: navigate.extraData,
      }).then(
        (): SignStart => ({ kind: 'jumped' }),
        (err: unknown): SignStart => {
          if (isUserCancel(err)) return { kind: 'cancelled' };
          throw new ApiError('MP_NAVIGATE_FAILED', { message: 'navigateToMiniProgram failed' });
        },
      );
    },
    // On weapp the hint comes from App onShow's referrerInfo.extraData (see app.tsx / pages/index).
    returnHint: () => 'unknown',
  };
}
