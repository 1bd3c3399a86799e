#!/usr/bin/env bash
# Runs the product on a fresh machine (Node 20 + npm): the sandbox WeChat Pay, the BFF on an embedded
# PGlite database and the mini-program's H5 build, with throwaway keys generated into .data/ (reused on
# the next run). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
npx -y pnpm@9.15.9 install --frozen-lockfile --reporter=silent
exec node scripts/demo.mjs "$@"
