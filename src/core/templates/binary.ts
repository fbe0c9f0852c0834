import {type TemplateFile, commonIgnore} from './template-file.js'

export function binaryTemplate(name: string): TemplateFile[] {
  const manifest = `# manifest.toml: how niso packs, installs and runs ${name}.
# \`niso pack --binary ./path/to/${name}\` turns it into ${name}-<version>-<arch>.niso;
# \`niso install\` and \`niso activate\` run it as a hardened systemd service.

[package]
name = "${name}"
version = "0.1.0"
description = "A compiled service"
# arch = "x86_64"      # left out: niso pack writes the arch of the machine that packs

# No [runtime]: the entrypoint is a file in the package.
[binary]
entrypoint = "${name}" # the package file bin/${name}; \`niso pack --binary PATH\` puts it there
args = ["--port", "8080"]
working_dir = "/app"   # the package's files appear here

[network]
ports = ["8080:8080"]  # "host:container"

[healthcheck]
tcp = "127.0.0.1:8080"
interval = "30s"
timeout = "5s"
retries = 3

[isolation]
preset = "strict"

[copy]
# What goes into the package besides the binary. A directory ends with "/"; globs work as in
# .gitignore. See the final list with \`niso pack --list\`.
include = ["bin/"]
`
  const ignore = commonIgnore(`target/
build/
`)
  return [
    {path: 'manifest.toml', content: manifest, mode: 0o644, role: 'manifest'},
    {path: '.nisoignore', content: ignore, mode: 0o644, role: 'ignore'},
  ]
}
