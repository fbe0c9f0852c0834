import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {after, before} from 'node:test'

import {nisoPaths} from '../../dist/core/paths.js'
import {execCapture} from '../../dist/system/machine/exec.js'
import {runningMachine, startMachine, stopMachine} from '../../dist/system/machine/machine.js'
import {machineUnsupportedReason} from '../../dist/system/machine/support.js'
import {NISO_BIN} from './cli.ts'

/**
 * Integration tests run against a real systemd in a `niso machine` sandbox. Each test file boots
 * its own machine (unique name) and stops it at the end; files running in parallel never share
 * one. Machines live under the real root's /run/niso (NISO_ROOT is ignored here, so a test may
 * point NISO_ROOT elsewhere for its own commands).
 *
 *   describe('activate', {skip: machineSkipReason()}, () => {
 *     const m = useMachine('activate')
 *     it('…', async () => {
 *       const r = await m.niso(['activate', 'my-api'])
 *       assert.equal(r.code, 0, r.stderr)
 *     })
 *   })
 */

export interface MachineExecResult {
  code: number
  stdout: string
  stderr: string
}

export interface MachineExecOpts {
  input?: string
  env?: Record<string, string>
  /** Working directory inside (default /). */
  cwd?: string
  timeoutMs?: number
}

export interface TestMachine {
  readonly name: string
  /** A host directory shared read-write at the same path inside: put packages and fixtures here. */
  readonly shareDir: string
  /** Runs a command inside the machine (clean env, HOME=/root, as root). */
  exec(args: readonly string[], opts?: MachineExecOpts): Promise<MachineExecResult>
  /** Runs this repo's `bin/niso ARGS` inside the machine, against the machine's systemd. */
  niso(args: readonly string[], opts?: MachineExecOpts): Promise<MachineExecResult>
}

const ROOT_PATHS = nisoPaths('/')

let cachedReason: string | undefined | null = null

/** Why machine tests cannot run here (printed as the skip reason), or undefined when they can. */
export function machineSkipReason(): string | undefined {
  if (cachedReason === null) cachedReason = machineUnsupportedReason()
  return cachedReason
}

/** A machine name unique to this process and call: `<prefix>-<pid>-<random>`. */
export function uniqueMachineName(prefix: string): string {
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 30)
  return `${clean}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`
}

/** Runs `args` in the named running machine and captures the result. */
export async function execInMachine(
  name: string,
  args: readonly string[],
  opts: MachineExecOpts = {},
): Promise<MachineExecResult> {
  const [cmd, ...rest] = args
  if (!cmd) throw new Error('execInMachine: no command')
  const record = runningMachine(ROOT_PATHS, name)
  const r = await execCapture(record, cmd, rest, {
    ...(opts.input === undefined ? {} : {input: opts.input}),
    ...(opts.env === undefined ? {} : {env: opts.env}),
    ...(opts.cwd === undefined ? {} : {cwd: opts.cwd}),
    timeoutMs: opts.timeoutMs ?? 300_000,
  })
  return {code: r.code, stdout: r.stdout, stderr: r.stderr}
}

/** Boots a machine with a shared directory; `stop()` powers it off and removes both. */
export async function bootTestMachine(prefix: string): Promise<TestMachine & {stop(): Promise<void>}> {
  const name = uniqueMachineName(prefix)
  const shareDir = fs.mkdtempSync(path.join(os.tmpdir(), `niso-share-${name}-`))
  try {
    await startMachine(ROOT_PATHS, {name, binds: [{source: shareDir, target: shareDir, readOnly: false}]})
  } catch (error) {
    fs.rmSync(shareDir, {recursive: true, force: true})
    throw error
  }
  return {
    name,
    shareDir,
    exec: (args, opts) => execInMachine(name, args, opts),
    niso: (args, opts) => execInMachine(name, [NISO_BIN, ...args], {...opts, env: {NO_COLOR: '1', ...opts?.env}}),
    stop: async () => {
      try {
        await stopMachine(ROOT_PATHS, {name, kill: true})
      } finally {
        fs.rmSync(shareDir, {recursive: true, force: true})
      }
    },
  }
}

/** Boots a machine, runs `fn` with it, and stops it whatever happens. */
export async function withMachine<T>(prefix: string, fn: (m: TestMachine) => Promise<T>): Promise<T> {
  const m = await bootTestMachine(prefix)
  try {
    return await fn(m)
  } finally {
    await m.stop()
  }
}

/**
 * One machine for the enclosing describe(): booted in before(), stopped in after(). Its members
 * are valid once before() has run (inside it() callbacks).
 */
export function useMachine(prefix: string): TestMachine {
  let m: (TestMachine & {stop(): Promise<void>}) | undefined
  const need = (): TestMachine => {
    if (!m) throw new Error('useMachine: the machine is not running (did before() fail?)')
    return m
  }
  before(async () => {
    m = await bootTestMachine(prefix)
  })
  after(async () => {
    await m?.stop()
  })
  return {
    get name() {
      return need().name
    },
    get shareDir() {
      return need().shareDir
    },
    exec: (args, opts) => need().exec(args, opts),
    niso: (args, opts) => need().niso(args, opts),
  }
}
