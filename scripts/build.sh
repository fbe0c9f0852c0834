#!/bin/sh
# Compiles every workspace (tsc project references) and writes the oclif command manifest.
. "$(dirname "$0")/node.sh"
tsc -b tsconfig.build.json
oclif manifest >/dev/null
