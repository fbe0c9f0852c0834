import {promises as fs} from 'node:fs'

import {type HostSocket, parseProcNet} from '../../core/net/host-sockets.js'

/**
 * Sockets bound in niso's own network namespace (TCP listening, UDP bound), with their holders.
 * Finding a holder reads every process's open files, so with `ports` only sockets on those host
 * ports (the ones a clash can name) get one; the others are "a host process".
 */
export async function hostSockets(ports?: readonly number[]): Promise<HostSocket[]> {
  const tables = [
    ['tcp', 'tcp', false],
    ['tcp6', 'tcp', true],
    ['udp', 'udp', false],
    ['udp6', 'udp', true],
  ] as const
  const found = (
    await Promise.all(
      tables.map(async ([file, proto, v6]) =>
        parseProcNet(await fs.readFile(`/proc/net/${file}`, 'utf8').catch(() => ''), proto, v6),
      ),
    )
  ).flat()
  const named = ports ? found.filter((s) => ports.includes(s.port)) : found
  const holders = named.length ? await socketHolders(new Set(named.map((s) => s.inode))) : new Map<string, string>()
  return found.map((s) => ({...s, holder: holders.get(s.inode) ?? 'a host process'}))
}

/** inode → "comm (pid N)" for the sockets asked about, from /proc/<pid>/fd. */
async function socketHolders(inodes: ReadonlySet<string>): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const pids = (await fs.readdir('/proc').catch(() => [])).filter((d) => /^\d+$/.test(d))
  for (const pid of pids) {
    const fds = await fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[])
    for (const fd of fds) {
      const link = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1]
      if (inode && inodes.has(inode) && !out.has(inode)) {
        const comm = (await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim()
        out.set(inode, `${comm} (pid ${pid})`)
      }
    }
  }
  return out
}
