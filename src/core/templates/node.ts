import {type TemplateFile, commonIgnore} from './template-file.js'

export function nodeTemplate(name: string): TemplateFile[] {
  const manifest = `# manifest.toml: how niso packs, installs and runs ${name}.
# \`niso pack\` turns this directory into ${name}-<version>-<arch>.niso;
# \`niso install\` and \`niso activate\` run it as a hardened systemd service.

[package]
name = "${name}"
version = "0.1.0"
description = "A Node.js HTTP service"
# arch = "x86_64"      # left out: niso pack writes the arch of the machine that packs

[runtime]
use = "nodejs:20"      # niso provides Node.js; node_modules/ ship inside the package

[binary]
entrypoint = "node"    # with [runtime].use, the runtime's interpreter
args = ["server.js"]
working_dir = "/app"   # the package's files appear here

[environment]
NODE_ENV = "production"
PORT = "3000"

[network]
ports = ["3000:3000"]  # "host:container"

[healthcheck]
http = "http://127.0.0.1:3000/health"
interval = "30s"
timeout = "5s"
retries = 3

[isolation]
preset = "server"

[copy]
# What goes into the package, from this directory. A directory ends with "/"; globs work as in
# .gitignore. Run \`npm ci --omit=dev\` first so node_modules/ holds only what the app needs.
# See the final list with \`niso pack --list\`.
include = ["package.json", "server.js", "node_modules/"]
`
  const ignore = commonIgnore(`# Below node_modules/, packed because [copy].include lists it:
node_modules/.cache/
`)
  const server = `// A minimal HTTP service: GET /health answers 200, anything else says hello.
import http from 'node:http'

const port = Number(process.env.PORT ?? 3000)

http
  .createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, {'content-type': 'text/plain'}).end('ok\\n')
      return
    }
    res.writeHead(200, {'content-type': 'text/plain'}).end('hello from ${name}\\n')
  })
  .listen(port, () => console.log(\`listening on \${port}\`))
`
  const pkg = `${JSON.stringify({name, version: '0.1.0', private: true, type: 'module', main: 'server.js'}, null, 2)}\n`
  return [
    {path: 'manifest.toml', content: manifest, mode: 0o644, role: 'manifest'},
    {path: '.nisoignore', content: ignore, mode: 0o644, role: 'ignore'},
    {path: 'package.json', content: pkg, mode: 0o644, role: 'sample'},
    {path: 'server.js', content: server, mode: 0o644, role: 'sample'},
  ]
}
