import type {Arch} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'

/** Node's process.arch → the arch niso writes in manifests and file names. */
const HOST_ARCHES: Readonly<Record<string, Arch>> = {x64: 'x86_64', arm64: 'aarch64'}

export function hostArch(nodeArch: string): Arch {
  const arch = HOST_ARCHES[nodeArch]
  if (!arch) {
    throw new NisoError('E_ARCH', `this machine's architecture "${nodeArch}" is not supported; set [package].arch`)
  }
  return arch
}

const PACKAGE_HEADER_RE = /^[ \t]*\[[ \t]*package[ \t]*\][ \t]*(?:#.*)?$/

/**
 * The packed copy of a manifest that lacks [package].arch: `arch = "<arch>"` inserted on the line
 * right after the `[package]` header, so the archive describes itself. Everything else stays
 * byte-for-byte. Refuses when [package] is not a plain table (inline or dotted keys), where a
 * line cannot be inserted safely.
 */
export function manifestWithArch(text: string, arch: Arch, source = 'manifest.toml'): string {
  const lines = text.split('\n')
  const headers = lines.flatMap((line, i) => (PACKAGE_HEADER_RE.test(line.replace(/\r$/, '')) ? [i] : []))
  const at = headers[0]
  if (headers.length !== 1 || at === undefined) {
    throw new NisoError(
      'E_PACK_ARCH',
      `${source}: [package] is not a plain "[package]" table, so pack cannot add the arch; set [package].arch (e.g. arch = "${arch}")`,
    )
  }
  const eol = lines[at]?.endsWith('\r') ? '\r' : ''
  lines.splice(at + 1, 0, `arch = "${arch}"${eol}`)
  return lines.join('\n')
}
