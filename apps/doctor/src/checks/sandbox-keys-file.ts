import { defineCheck } from '../check.ts';

export const sandboxKeysFile = defineCheck({
  id: 'sandbox-keys-file',
  title: 'Sandbox dev-keys file',
  needs: [],
  uses: [],
  run({ sources, mode }) {
    const variable = 'WECHATPAY_SANDBOX_KEYS_PATH';
    const file = sources.keysFile;
    if (mode !== 'sandbox') return { status: 'skip', variable, detail: 'production mode: not used' };
    if (!file.path)
      return { status: 'skip', variable, detail: 'not set; keys come from the environment alone' };
    if (file.problem) {
      return {
        status: 'fail',
        variable,
        detail: file.problem,
        fix: 'start the sandbox once (it writes .data/keys/sandbox-merchant.json), or point WECHATPAY_SANDBOX_KEYS_PATH at that file',
      };
    }
    return { status: 'pass', variable, detail: `read ${file.path}` };
  },
});
