#!/bin/sh
# npm run bench: every bench/*.bench.ts, each printing ratios against a baseline from the same run.
. "$(dirname "$0")/node.sh"
sh scripts/build.sh
status=0
for f in bench/*.bench.ts; do
  [ -e "$f" ] || continue
  [ -n "${1:-}" ] && case "$f" in *"$1"*) ;; *) continue ;; esac
  node "$f" || status=1
done
exit $status
