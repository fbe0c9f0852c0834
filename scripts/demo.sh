#!/bin/sh
# The README's main job, end to end: sign, pack and install the example app, install its runtime,
# activate it as a hardened systemd service and reach it over HTTP. On a host without systemd
# as PID 1 it runs inside a throwaway `niso machine` (stopped at the end).
. "$(dirname "$0")/node.sh"
sh scripts/build.sh
repo=$PWD
work=$(mktemp -d /var/tmp/niso-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [ "$(ps -p 1 -o comm=)" = systemd ]; then
  inside() { "$@"; }
else
  machine="niso-demo-$$"
  bin/niso machine start --name "$machine"
  trap 'bin/niso machine stop --name "$machine" >/dev/null 2>&1; rm -rf "$work"' EXIT
  inside() { bin/niso machine exec --name "$machine" --cwd "$repo" -- "$@"; }
fi

niso="$repo/bin/niso"
set -x
"$niso" keygen --output "$work/keys"
(cd examples/hello-node && "$niso" pack --sign "$work/keys/niso-signing.key" --output "$work")
"$niso" inspect "$work"/hello-node-1.0.0-*.niso
inside "$niso" install "$work"/hello-node-1.0.0-*.niso --verify-key "$work/keys/niso-signing.pub"
inside "$niso" runtime install nodejs:20
inside "$niso" activate hello-node
inside "$niso" status hello-node
inside curl -fsS http://127.0.0.1:8080/
