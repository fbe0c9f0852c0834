#!/bin/sh
# Compiles every workspace (tsc project references), writes the oclif command manifest and bundles
# @oclif/core for the launcher.
. "$(dirname "$0")/node.sh"
tsc -b tsconfig.build.json
oclif manifest >/dev/null
node scripts/bundle-oclif.js
