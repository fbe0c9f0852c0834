import {type TemplateFile, commonIgnore} from './template-file.js'

export function pythonTemplate(name: string): TemplateFile[] {
  const manifest = `# manifest.toml: how niso packs, installs and runs ${name}.
# \`niso pack\` turns this directory into ${name}-<version>-<arch>.niso;
# \`niso install\` and \`niso activate\` run it as a hardened systemd service.

[package]
name = "${name}"
version = "0.1.0"
description = "A Python HTTP service"
# arch = "x86_64"      # left out: niso pack writes the arch of the machine that packs

[runtime]
use = "python:3.11"    # niso provides the interpreter; dependencies ship in vendor/

[binary]
entrypoint = "python3" # with [runtime].use, the runtime's interpreter
args = ["app.py"]
working_dir = "/app"   # the package's files appear here

[environment]
# Install dependencies into vendor/ before packing:
#   pip install --target vendor -r requirements.txt
PYTHONPATH = "/app/vendor"
PYTHONUNBUFFERED = "1"
PORT = "8000"

[network]
ports = ["8000:8000"]  # "host:container"

[healthcheck]
http = "http://127.0.0.1:8000/health"
interval = "30s"
timeout = "5s"
retries = 3

[isolation]
preset = "server"

[copy]
# What goes into the package, from this directory. A directory ends with "/"; globs work as in
# .gitignore. See the final list with \`niso pack --list\`.
include = ["app.py", "vendor/"]
`
  const ignore = commonIgnore(`__pycache__/
*.pyc
.venv/
venv/
`)
  const app = `"""A minimal HTTP service: GET /health answers 200, anything else says hello."""
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok\\n" if self.path == "/health" else b"hello from ${name}\\n"
        self.send_response(200)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print(f"listening on {port}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
`
  return [
    {path: 'manifest.toml', content: manifest, mode: 0o644, role: 'manifest'},
    {path: '.nisoignore', content: ignore, mode: 0o644, role: 'ignore'},
    {path: 'app.py', content: app, mode: 0o644, role: 'sample'},
  ]
}
