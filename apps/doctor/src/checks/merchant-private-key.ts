import type { KeyObject } from 'node:crypto';
import { loadPrivateKey } from '@qianyue/wechatpay';
import { defineCheck } from '../check.ts';
import { looseFile, looseFix } from '../file-mode.ts';
import { WHERE_CERT } from '../merchant-platform.ts';
import { describeWrongPem, isPrivateLabel, pemLabels } from '../pem.ts';

const WHERE = `the apiclient_key.pem you generated when applying for the API certificate (${WHERE_CERT})`;

export const merchantPrivateKey = defineCheck({
  id: 'merchant-private-key',
  title: 'Merchant API private key',
  needs: [],
  uses: [],
  variables: ['WECHATPAY_PRIVATE_KEY', 'WECHATPAY_PRIVATE_KEY_PATH'],
  run({ sources, mode }) {
    const s = sources.secret('WECHATPAY_PRIVATE_KEY', 'merchantPrivateKeyPath');
    const variable = s.variable;
    if (s.problem)
      return { status: 'fail', variable, detail: s.problem, fix: `make ${variable} name ${WHERE}` };
    if (!s.value) {
      return {
        status: 'fail',
        variable,
        detail: 'not set',
        fix: `set WECHATPAY_PRIVATE_KEY_PATH to ${WHERE}`,
      };
    }
    const labels = pemLabels(s.value);
    if (labels.includes('ENCRYPTED PRIVATE KEY')) {
      return {
        status: 'fail',
        variable,
        detail: 'holds a passphrase-protected key',
        fix: 'export it without a passphrase (openssl pkcs8 -topk8 -nocrypt -in apiclient_key.pem -out key.pem) and protect the file with chmod 0400 instead',
      };
    }
    if (!labels.some(isPrivateLabel)) {
      return {
        status: 'fail',
        variable,
        detail: `holds ${describeWrongPem(labels)}, not a private key`,
        fix: `point ${variable} at ${WHERE}: it starts with -----BEGIN PRIVATE KEY-----`,
      };
    }
    let key: KeyObject;
    try {
      key = loadPrivateKey(s.value, variable);
    } catch {
      return {
        status: 'fail',
        variable,
        detail: 'is not a readable RSA private key (PKCS#8 or PKCS#1 PEM)',
        fix: `replace it with ${WHERE}; check the file was copied whole (no missing lines)`,
      };
    }
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) {
      return {
        status: 'fail',
        variable,
        detail: `RSA ${bits}-bit: WeChat Pay requires 2048 bits or more`,
        fix: `apply for a new API certificate in ${WHERE_CERT} and use its key`,
      };
    }
    const loose = looseFile(mode, s.file);
    if (loose) {
      return {
        status: 'warn',
        variable,
        detail: `RSA ${bits}-bit; ${loose}`,
        fix: looseFix(s.file),
        fact: key,
      };
    }
    return { status: 'pass', variable, detail: `RSA ${bits}-bit private key`, fact: key };
  },
});
