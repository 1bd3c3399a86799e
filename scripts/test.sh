#!/usr/bin/env bash
# Runs every test on a fresh machine (Node 20 + npm is enough): installs dependencies (and, as root,
# Debian's Chromium for the browser tests), lints, typechecks, runs every vitest project in one run,
# and ends with one line of totals. PostgreSQL tests start their own throwaway cluster.
set -uo pipefail
cd "$(dirname "$0")/.."
PNPM="npx -y pnpm@9.15.9"
started=$(date +%s)

missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -d /usr/share/fonts/truetype/wqy ] || missing="$missing fonts-wqy-zenhei"
command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing Debian packages for the browser and database tests:$missing"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null) \
    || echo "!! apt-get install failed:$missing; the tests that need it will fail"
fi

echo "== install"
CI=true $PNPM install --frozen-lockfile --reporter=append-only || { echo "0 passed, 1 failed"; exit 1; }

status=0
echo "== lint (biome)"; $PNPM exec biome check . || status=1
echo "== typecheck"; $PNPM exec turbo run typecheck --output-logs=errors-only || status=1

mkdir -p test-artifacts
# Every scratch directory a test makes (keys, PGlite and PostgreSQL data, browser profiles) goes under one
# directory that is removed at the end, also when tests fail or leave theirs behind.
TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/qianyue-tests.XXXXXX")"
# Like /tmp itself (mktemp makes it 0700): the PostgreSQL cluster runs as user postgres when we are root.
chmod 1777 "$TMPDIR"
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
echo "== tests"
$PNPM exec vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json
echo "== done in $(( $(date +%s) - started )) s"
node scripts/totals.mjs test-artifacts/vitest.json || status=1
exit $status
