import Taro from '@tarojs/taro';
import { ApiError } from '../services/errors.ts';
import { isUserCancel, type Platform } from './platform.ts';

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
      return new Promise((resolve, reject) => {
        // Exactly the BFF's target, nothing added or renamed.
        Taro.navigateToMiniProgram({
          appId: navigate.appId,
          path: navigate.path,
          extraData: navigate.extraData,
          success: () => resolve({ kind: 'jumped' }),
          fail: (err) => {
            if (isUserCancel(err)) resolve({ kind: 'cancelled' });
            else reject(new ApiError('MP_NAVIGATE_FAILED', { message: 'navigateToMiniProgram failed' }));
          },
        });
      });
    },
  };
}
