#!/bin/sh
# Compiles every workspace (tsc project references), bundles each command and the SDK into one
# file, writes the oclif command manifest and bundles @oclif/core for the launcher.
. "$(dirname "$0")/node.sh"
tsc -b tsconfig.build.json
node scripts/bundle-dist.js
oclif manifest >/dev/null
node scripts/bundle-oclif.js
