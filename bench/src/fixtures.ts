import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The TEST-ONLY fixtures in the repository's `fixtures/` (same resolution rule as the package tests). */
export const FIXTURES_DIR =
  process.env.QIANYUE_FIXTURES_DIR ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');

export const fixtureText = (rel: string): string => readFileSync(path.join(FIXTURES_DIR, rel), 'utf8');
export const fixtureJson = <T>(rel: string): T => JSON.parse(fixtureText(rel)) as T;

export const fixturesPath = (rel: string): string => path.join(FIXTURES_DIR, rel);
