#!/usr/bin/env -S npx tsx
import { runDoctor } from './doctor.ts';
import { DoctorUsageError } from './errors.ts';
import { formatJson, formatText, scrub } from './report.ts';

const USAGE = `usage: pnpm run doctor [--json]   (from the repository root; plain \`pnpm doctor\` is pnpm's own command)

Checks the BFF configuration in the environment (the same variables the BFF reads): keys, serials, APIv3 key,
WeChat Pay public key id, notify URL, database, and one signed read-only call to WeChat Pay.
Exit code 0 only when every check passes. Never prints a secret.

  --json   machine-readable report on stdout
  --help   this text
`;

export function parseArgs(argv: string[]): { json: boolean; help: boolean } {
  const out = { json: false, help: false };
  for (const a of argv) {
    if (a === '--json') out.json = true;
    else if (a === '--help' || a === '-h') out.help = true;
    else if (a === 'doctor' || a === '--')
      continue; // `qianyue doctor`, `pnpm doctor -- --json`
    else throw new DoctorUsageError(`unknown argument ${JSON.stringify(a.slice(0, 40))}`);
  }
  return out;
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`doctor: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  // The only place the doctor reads process.env.
  const { report, secrets } = await runDoctor(process.env);
  const text = args.json ? formatJson(report) : formatText(report);
  process.stdout.write(scrub(text, secrets));
  return report.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`doctor: failed to run (${err instanceof Error ? err.name : 'error'})\n`);
    process.exitCode = 1;
  },
);
