import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS_DIR = path.join(REPO_DIR, 'test-artifacts');
/** One JSON file of counts per scenario; the global teardown merges them into reliability.json. */
export const PARTS_DIR = path.join(ARTIFACTS_DIR, 'reliability-parts');
export const REPORT_FILE = path.join(ARTIFACTS_DIR, 'reliability.json');
