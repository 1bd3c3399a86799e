#!/usr/bin/env bash
# Runs every test on a fresh machine (Node 20 + npm is enough): installs dependencies, lints,
# typechecks, runs all vitest projects, and ends with one line of totals.
set -uo pipefail
cd "$(dirname "$0")/.."
PNPM="npx -y pnpm@9.15.9"

$PNPM install --frozen-lockfile --reporter=append-only || exit 1

status=0
echo "== lint (biome)"; $PNPM exec biome check . || status=1
echo "== typecheck"; $PNPM exec turbo run typecheck --output-logs=errors-only || status=1

mkdir -p test-artifacts
echo "== tests"
$PNPM exec vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json
node scripts/totals.mjs test-artifacts/vitest.json || status=1
exit $status
