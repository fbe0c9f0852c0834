import assert from 'node:assert/strict'

import type {TestMachine} from './machine.ts'

/**
 * The activation lifecycle every app kind must pass on a real systemd (issue 3's proof): activate
 * → HTTP 200 → same version again keeps the MainPID → v2 → a failed version is undone while the
 * running one keeps serving → rollback → deactivate. Each step asserts what niso says, what
 * systemd runs and what the app answers; tests call them in order from their own it() blocks and
 * add what is particular to their app kind.
 */
export interface LifecycleApp {
  /** Package name; the unit is niso-<name>.service. */
  name: string
  port: number
  /** The version the app reports in the body of `GET /`. */
  versionOf(body: string): string
}

export interface Lifecycle {
  readonly unit: string
  mainPid(): Promise<number>
  /** GET / on the app's port inside the machine (code 0 with the body when it answered 2xx). */
  get(): Promise<{code: number; stdout: string; stderr: string}>
  /** Asserts the app answers 200 with `version` in its body. */
  assertServes(version: string): Promise<void>
  /** Activates `version`, which must come up healthy and serve. */
  activate(version: string): Promise<void>
  /** A second activate of the running version restarts nothing: same MainPID. */
  activateAgainKeepsPid(version: string): Promise<void>
  /** Activating `version` fails with `failure` in stderr, is undone, and `serving` keeps answering. */
  activateFailsAndUndoes(version: string, serving: string, failure: RegExp): Promise<void>
  /** Rolls back from `from` to `to`, which serves again from its own unit. */
  rollback(from: string, to: string): Promise<void>
  /** Deactivates `version`: stopped, disabled, unit and timer gone, `installed` versions kept. */
  deactivate(version: string, installed: readonly string[]): Promise<void>
}

export function lifecycle(m: TestMachine, app: LifecycleApp): Lifecycle {
  const unit = `niso-${app.name}.service`
  const unitPath = `/etc/systemd/system/${unit}`
  const currentLink = `/opt/niso/packages/${app.name}/current`
  const versionUnit = (version: string) => `/opt/niso/rootfs/${app.name}/${version}/${unit}`
  const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

  const mainPid = async () =>
    Number((await m.exec(['systemctl', 'show', '-p', 'MainPID', '--value', unit])).stdout.trim())
  const get = () => m.exec(['curl', '-fsS', '--max-time', '3', `http://127.0.0.1:${app.port}/`])
  const assertServes = async (version: string) => {
    const body = await get()
    assert.equal(body.code, 0, `${app.name} did not answer 200: ${body.stderr}`)
    assert.equal(app.versionOf(body.stdout), version)
  }
  const liveUnit = async () => (await m.exec(['readlink', unitPath])).stdout.trim()

  return {
    unit,
    mainPid,
    get,
    assertServes,

    async activate(version) {
      const r = await m.niso(['activate', app.name, version])
      assert.equal(r.code, 0, r.stderr)
      assert.match(
        r.stdout,
        new RegExp(`^Activated ${re(app.name)} ${re(version)} \\(${re(unit)}, MainPID \\d+, healthy\\)$`, 'm'),
      )
      await assertServes(version)
      assert.equal(await liveUnit(), versionUnit(version))
      assert.equal((await m.exec(['readlink', currentLink])).stdout.trim(), version)
      assert.equal((await m.exec(['systemctl', 'is-enabled', unit])).stdout.trim(), 'enabled')
    },

    async activateAgainKeepsPid(version) {
      const before = await mainPid()
      assert.ok(before > 0, `${unit} has no MainPID`)
      const r = await m.niso(['activate', app.name, version])
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /already active and running \(MainPID \d+\); nothing restarted/)
      assert.equal(await mainPid(), before)
      await assertServes(version)
    },

    async activateFailsAndUndoes(version, serving, failure) {
      const r = await m.niso(['activate', app.name, version])
      assert.notEqual(r.code, 0, `activating ${version} succeeded`)
      assert.match(
        r.stderr,
        new RegExp(
          `^niso: ${re(unit)} \\(${re(app.name)} ${re(version)}\\) failed to start or never became healthy: `,
          'm',
        ),
      )
      assert.match(r.stderr, failure)
      await assertServes(serving)
      assert.equal(await liveUnit(), versionUnit(serving))
      assert.equal(
        (await m.exec(['readlink', currentLink])).stdout.trim(),
        serving,
        'current moved to the failed version',
      )
      assert.equal(
        (await m.exec(['test', '-e', `/opt/niso/rootfs/${app.name}/${version}`])).code,
        1,
        'failed version dir left behind',
      )
    },

    async rollback(from, to) {
      const r = await m.niso(['rollback', app.name])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout.trim(), `Rolled back ${app.name} from ${from} to ${to}`)
      await assertServes(to)
      assert.equal(await liveUnit(), versionUnit(to))
      const links = await m.exec(['readlink', currentLink, `/opt/niso/packages/${app.name}/previous`])
      assert.deepEqual(links.stdout.trim().split('\n'), [to, from])
    },

    async deactivate(version, installed) {
      const r = await m.niso(['deactivate', app.name])
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, new RegExp(`^Deactivated ${re(app.name)} ${re(version)} `, 'm'))
      assert.notEqual((await get()).code, 0, 'still answering after deactivate')
      assert.equal((await m.exec(['systemctl', 'is-active', unit])).stdout.trim(), 'inactive')
      assert.notEqual((await m.exec(['systemctl', 'is-enabled', unit])).stdout.trim(), 'enabled')
      assert.notEqual((await m.exec(['test', '-e', unitPath])).code, 0, 'unit file left behind')
      assert.equal(
        (await m.exec(['systemctl', 'is-active', `niso-${app.name}-health.timer`])).stdout.trim(),
        'inactive',
      )
      const list = JSON.parse((await m.niso(['list', '--json'])).stdout) as {name: string; version: string}[]
      const kept = list
        .filter((p) => p.name === app.name)
        .map((p) => p.version)
        .sort()
      assert.deepEqual(kept, [...installed].sort())
      const again = await m.niso(['deactivate', app.name])
      assert.equal(again.stdout.trim(), `${app.name} is not active; nothing to do`)
    },
  }
}
