#!/bin/sh
# The README's main job, end to end: sign, pack and install the example app, install its Node.js
# runtime (downloaded from the npm registry, integrity-checked), activate it as a hardened
# systemd service and reach it over HTTP. On a host without systemd as PID 1 the systemd side
# runs inside a throwaway `niso machine`, stopped at the end.
. "$(dirname "$0")/node.sh"
sh scripts/build.sh
repo=$PWD
niso="$repo/bin/niso"
work=$(mktemp -d /var/tmp/niso-demo.XXXXXX)
machine="niso-demo-$$"
cleanup() {
  [ "$(ps -p 1 -o comm=)" = systemd ] || "$niso" machine stop --name "$machine" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

step() { printf '\n==> %s\n' "$*"; }

step "niso keygen, pack (signed) and inspect"
"$niso" keygen --output "$work/keys"
(cd examples/hello-node && "$niso" pack --sign "$work/keys/niso-signing.key" --output "$work")
pkg=$(ls "$work"/hello-node-1.0.0-*.niso)
"$niso" inspect "$pkg" --verify-key "$work/keys/niso-signing.pub"

step "download Node.js 20 from the npm registry (integrity-checked) into a staging root"
NISO_ROOT="$work/download" "$niso" runtime install nodejs:20
node20=$(ls "$work"/download/opt/niso/runtimes/nodejs/*/bin/node)

if [ "$(ps -p 1 -o comm=)" = systemd ]; then
  inside() { "$@"; }
else
  step "no systemd as PID 1 here: boot a throwaway one (niso machine)"
  "$niso" machine start --name "$machine"
  inside() { "$niso" machine exec --name "$machine" -- "$@"; }
fi

step "install the runtime and the signed package, then activate"
inside "$niso" runtime install nodejs:20 --from "$node20"
inside "$niso" install "$pkg" --verify-key "$work/keys/niso-signing.pub"
inside "$niso" activate hello-node
inside systemctl status niso-hello-node.service --no-pager --lines=3 || true

step "reach it"
inside curl -fsS http://127.0.0.1:8080/
step "done: hello-node runs as a hardened systemd service (exposure $(inside systemd-analyze security niso-hello-node.service 2>/dev/null | tail -1 | sed 's/.*exposure level for niso-hello-node.service: //'))"
