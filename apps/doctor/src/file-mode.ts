import { statSync } from 'node:fs';

/**
 * In production a key file that group or others can read is a finding (the BFF still works with it).
 * Returns what is wrong, or undefined.
 */
export function looseFile(mode: 'sandbox' | 'production', file: string | undefined): string | undefined {
  if (mode !== 'production' || !file || process.platform === 'win32') return undefined;
  try {
    const bits = statSync(file).mode & 0o777;
    return bits & 0o077 ? `file mode ${bits.toString(8)} lets other users read it` : undefined;
  } catch {
    return undefined;
  }
}

export const looseFix = (file: string | undefined) =>
  `chmod 0400 ${file ?? '<file>'} and make it owned by the BFF's user`;
