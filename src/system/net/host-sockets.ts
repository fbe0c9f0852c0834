import fs from 'node:fs'

import type {PortProto} from '@niso/plugin-sdk'

import {type HostSocket, parseProcNet} from '../../core/net/host-sockets.js'
import {listDirOr, readTextOr} from '../read-or.js'

/**
 * Sockets bound in niso's own network namespace (TCP listening, UDP bound), with their holders.
 * Finding a holder reads every process's open files, so with `ports` only sockets on those host
 * ports (the ones a clash can name) get one; the others are "a host process". Only the tables of
 * `protos` are read: listing one walks the kernel's socket hash, milliseconds on a large host.
 * /proc is read synchronously: an await per file costs more than the read.
 */
export async function hostSockets(
  ports?: readonly number[],
  protos: readonly PortProto[] = ['tcp', 'udp'],
): Promise<HostSocket[]> {
  const tables = [
    ['tcp', 'tcp', false],
    ['tcp6', 'tcp', true],
    ['udp', 'udp', false],
    ['udp6', 'udp', true],
  ] as const
  const found = tables
    .filter(([, proto]) => protos.includes(proto))
    .flatMap(([file, proto, v6]) => parseProcNet(readTextOr(`/proc/net/${file}`, ''), proto, v6))
  const named = ports ? found.filter((s) => ports.includes(s.port)) : found
  const holders = named.length ? socketHolders(new Set(named.map((s) => s.inode))) : new Map<string, string>()
  return found.map((s) => ({...s, holder: holders.get(s.inode) ?? 'a host process'}))
}

/** inode → "comm (pid N)" for the sockets asked about, from /proc/<pid>/fd. */
function socketHolders(inodes: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>()
  const pids = listDirOr('/proc').filter((d) => /^\d+$/.test(d))
  for (const pid of pids) {
    for (const fd of listDirOr(`/proc/${pid}/fd`)) {
      let link = ''
      try {
        link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`)
      } catch {
        // the descriptor closed meanwhile
      }
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1]
      if (inode && inodes.has(inode) && !out.has(inode)) {
        out.set(inode, `${readTextOr(`/proc/${pid}/comm`, '?').trim()} (pid ${pid})`)
      }
    }
  }
  return out
}
