import fs from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

/**
 * A machine's own cgroups. The machine's systemd runs in a cgroup namespace rooted at one
 * directory per hierarchy (`niso-machine-<name>`, below the caller's cgroup), and mounts fresh
 * cgroup filesystems from inside it: it then manages its own subtree only, two machines never
 * meet, and nothing it writes reaches the host's `/sys/fs/cgroup`. Works on cgroup v1, hybrid
 * (this project's hosts: systemd 252, v1 controllers plus a controller-less v2) and unified v2.
 */

export interface MountInfo {
  readonly mountPoint: string
  /** The directory of the filesystem mounted there (a cgroup path for cgroup mounts). */
  readonly root: string
  readonly fsType: string
  readonly superOptions: readonly string[]
}

export interface ProcCgroup {
  readonly id: number
  /** v1 controllers (or `name=…`); empty for the v2 hierarchy. */
  readonly controllers: readonly string[]
  readonly path: string
}

/** One hierarchy as the machine gets it. */
export interface MachineHierarchy {
  /** The machine's directory on the host (`<mount>/<caller path>/niso-machine-<name>`). */
  readonly hostDir: string
  /** Where it is mounted inside, relative to /sys/fs/cgroup ("." for a unified-only host). */
  readonly mountDir: string
  readonly fsType: 'cgroup' | 'cgroup2'
  /** Mount options for a v1 hierarchy (its controllers), "" for v2. */
  readonly options: string
  /** v1 controllers mounted together get a symlink per controller (cpu -> cpu,cpuacct). */
  readonly aliases: readonly string[]
}

export interface CgroupPlan {
  readonly layout: 'unified' | 'hybrid' | 'legacy'
  readonly hierarchies: readonly MachineHierarchy[]
}

const CGROUP_ROOT = '/sys/fs/cgroup'

/** Parses /proc/<pid>/mountinfo. */
export function parseMountinfo(text: string): MountInfo[] {
  const out: MountInfo[] = []
  for (const line of text.split('\n')) {
    if (!line) continue
    const [left, right] = line.split(' - ')
    if (!left || !right) continue
    const f = left.split(' ')
    const r = right.split(' ')
    if (f.length < 5 || r.length < 3) continue
    out.push({
      root: unescapeMount(f[3] ?? ''),
      mountPoint: unescapeMount(f[4] ?? ''),
      fsType: r[0] ?? '',
      superOptions: (r[2] ?? '').split(','),
    })
  }
  return out
}

/** Parses /proc/<pid>/cgroup (`id:controllers:path`). */
export function parseProcCgroup(text: string): ProcCgroup[] {
  const out: ProcCgroup[] = []
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line)
    if (!m) continue
    out.push({id: Number(m[1]), controllers: m[2] ? (m[2] as string).split(',') : [], path: m[3] as string})
  }
  return out
}

/**
 * Where a machine's cgroups go, from the caller's own cgroups and the host's cgroup mounts.
 * v1 and controller-less v2 hierarchies nest below the caller's cgroup; a v2 hierarchy with
 * controllers goes below its root, because v2 delegates controllers only to cgroups whose parent
 * holds no processes (the caller's own cgroup does).
 */
export function planCgroups(
  name: string,
  procCgroup: readonly ProcCgroup[],
  mounts: readonly MountInfo[],
  v2HasControllers: (mountPoint: string) => boolean,
): CgroupPlan {
  const leaf = `niso-machine-${name}`
  const hierarchies: MachineHierarchy[] = []
  const cgroupMounts = mounts.filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2')
  const unifiedOnly = cgroupMounts.some((m) => m.fsType === 'cgroup2' && m.mountPoint === CGROUP_ROOT)
  for (const cg of procCgroup) {
    const v2 = cg.id === 0 && cg.controllers.length === 0
    const mount = v2
      ? cgroupMounts.find((m) => m.fsType === 'cgroup2')
      : cgroupMounts.find((m) => m.fsType === 'cgroup' && cg.controllers.every((c) => m.superOptions.includes(c)))
    if (!mount) continue
    const base = v2 && v2HasControllers(mount.mountPoint) ? mount.root : cg.path
    const rel = path.posix.relative(mount.root, base)
    if (rel.startsWith('..')) continue // the caller's cgroup is outside what is mounted: cannot place
    const named = cg.controllers.every((c) => c.startsWith('name='))
    const mountDir = unifiedOnly
      ? '.'
      : mount.mountPoint.startsWith(`${CGROUP_ROOT}/`)
        ? mount.mountPoint.slice(CGROUP_ROOT.length + 1)
        : v2
          ? 'unified'
          : cg.controllers.join(',').replace(/^name=/, '')
    hierarchies.push({
      hostDir: path.posix.join(mount.mountPoint, rel, leaf),
      mountDir,
      fsType: v2 ? 'cgroup2' : 'cgroup',
      options: v2 ? '' : [...(named ? ['none'] : []), ...cg.controllers].join(','),
      aliases:
        !v2 && cg.controllers.length > 1 && !mountDir.includes('/')
          ? cg.controllers.filter((c) => !c.includes('='))
          : [],
    })
  }
  const layout = unifiedOnly ? 'unified' : hierarchies.some((h) => h.fsType === 'cgroup2') ? 'hybrid' : 'legacy'
  return {layout, hierarchies}
}

/** The plan for this process's cgroups on this host. */
export function hostCgroupPlan(name: string): CgroupPlan {
  return planCgroups(
    name,
    parseProcCgroup(fs.readFileSync('/proc/self/cgroup', 'utf8')),
    parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8')),
    (mp) => readTrim(path.join(mp, 'cgroup.controllers')) !== '',
  )
}

/**
 * Creates each hierarchy's machine directory and its `supervisor` leaf (where the `unshare`
 * parent and `machine exec` helpers wait, outside the machine's systemd's view of its root's own
 * processes). On v1 cpuset, copies the parent's cpus/mems (a new cpuset starts empty); on v2
 * with controllers, enables them for the machine.
 */
export function createCgroups(plan: CgroupPlan): void {
  for (const h of plan.hierarchies) {
    for (const dir of [h.hostDir, path.join(h.hostDir, 'supervisor')]) {
      fs.mkdirSync(dir, {recursive: true})
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        const own = path.join(dir, f)
        if (fs.existsSync(own) && readTrim(own) === '') fs.writeFileSync(own, readTrim(path.join(dir, '..', f)))
      }
    }
    if (h.fsType === 'cgroup2') {
      const parent = path.dirname(h.hostDir)
      const available = readTrim(path.join(parent, 'cgroup.controllers')).split(' ').filter(Boolean)
      const enabled = new Set(readTrim(path.join(parent, 'cgroup.subtree_control')).split(' '))
      for (const c of available) {
        if (enabled.has(c)) continue
        try {
          fs.writeFileSync(path.join(parent, 'cgroup.subtree_control'), `+${c}`)
        } catch {
          // a controller the parent cannot delegate (threaded, or processes inside): go without it
        }
      }
    }
  }
}

/** Every PID in a cgroup tree. */
export function cgroupPids(dir: string): number[] {
  const pids: number[] = []
  for (const d of treeDepthFirst(dir)) {
    for (const p of readTrim(path.join(d, 'cgroup.procs')).split('\n')) if (p) pids.push(Number(p))
  }
  return pids
}

/**
 * Removes a machine's cgroup tree, deepest first. Processes still inside (a machine that did not
 * die cleanly) are killed first; a cgroup that is still draining is retried for up to `waitMs`.
 * Returns the directories that could not be removed.
 */
export async function removeCgroupTree(dir: string, waitMs = 5000): Promise<string[]> {
  const deadline = Date.now() + waitMs
  for (;;) {
    for (const pid of cgroupPids(dir)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    const left: string[] = []
    for (const d of treeDepthFirst(dir)) {
      try {
        fs.rmdirSync(d)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') left.push(d)
      }
    }
    if (left.length === 0 || Date.now() >= deadline) return left
    await sleep(25)
  }
}

function treeDepthFirst(dir: string): string[] {
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(dir, {withFileTypes: true})
  } catch {
    return []
  }
  const out: string[] = []
  for (const e of entries) if (e.isDirectory()) out.push(...treeDepthFirst(path.join(dir, e.name)))
  out.push(dir)
  return out
}

function readTrim(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim()
  } catch {
    return ''
  }
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
}
