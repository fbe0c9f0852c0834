#!/bin/sh
# The test command: build, type-check the tests, lint, then every test (unit, golden, plugin,
# integration against a real systemd in the `niso machine` sandbox) with Node's test runner.
. "$(dirname "$0")/node.sh"
sh scripts/build.sh
tsc -p test
eslint --max-warnings=0 .
prettier --check --log-level=warn .
node --test --test-concurrency="${NISO_TEST_CONCURRENCY:-2}" --test-timeout=600000 \
  'test/**/*.test.ts' 'plugins/*/test/**/*.test.ts' "$@"
