import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';

/** The labels of the PEM blocks in `text` (`PRIVATE KEY`, `PUBLIC KEY`, `CERTIFICATE`, …), in order. */
export function pemLabels(text: string): string[] {
  return [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1]!);
}

export const isPrivateLabel = (l: string) => /PRIVATE KEY$/.test(l);
export const isPublicLabel = (l: string) => /PUBLIC KEY$/.test(l);
export const isCertificateLabel = (l: string) => l === 'CERTIFICATE' || l === 'X509 CERTIFICATE';

/** Two keys are the same RSA key pair half when their SPKI encodings are equal. */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const der = (k: KeyObject) =>
    (k.type === 'private' ? createPublicKey(k) : k).export({ type: 'spki', format: 'der' });
  return der(a).equals(der(b));
}

/** What a PEM text holds when it is not what was expected, for "holds …, not a private key". */
const WRONG_KINDS: Array<[(label: string) => boolean, string]> = [
  [isCertificateLabel, 'a certificate (apiclient_cert.pem?)'],
  [isPublicLabel, 'a PUBLIC key'],
];
export function describeWrongPem(labels: string[]): string {
  const known = WRONG_KINDS.find(([is]) => labels.some(is));
  if (known) return known[1];
  return labels.length > 0 ? `a PEM of type ${labels[0]}` : 'no PEM block';
}
