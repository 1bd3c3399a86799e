import { defineCheck } from '../check.ts';

export const sandboxKeysFile = defineCheck({
  id: 'sandbox-keys-file',
  title: 'Sandbox dev-keys file',
  needs: [],
  uses: [],
  variables: ['WECHATPAY_SANDBOX_KEYS_PATH'],
  run({ sources, mode }) {
    const variable = 'WECHATPAY_SANDBOX_KEYS_PATH';
    const file = sources.keysFile;
    if (mode !== 'sandbox') return { status: 'skip', variable, detail: 'production mode: not used' };
    if (!file.path)
      return { status: 'skip', variable, detail: 'not set; keys come from the environment alone' };
    // Whether it reads and parses is the resolver's verdict (runner.ts adds its problems to this check).
    const named = Object.keys(file.data).length;
    return { status: 'pass', variable, detail: `read ${file.path} (${named} setting(s))` };
  },
});
