import {
  PLUGIN_API_VERSION,
  ProviderError,
  type RootfsStep,
  type RuntimeInstallMethod,
  type RuntimeProvider,
  bindSame,
  defineRuntime,
  execLine,
  interpreterArgv,
  requireRuntime,
  runtimeEnvironment,
} from '@niso/plugin-sdk'

/** Where vendored dependencies live in a package (`pip install --target ./vendor -r requirements.txt`). */
export const VENDOR_DIR = '/app/vendor'

/** The CA bundle the host binds into every rootfs; OpenSSL's compiled-in /usr/lib/ssl paths are not there. */
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'

/** "3.11.2" or "3.11" → "3.11"; undefined for a bare major ("3"). */
function minorOf(version: string): string | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version)
  return m ? `${m[1]}.${m[2]}` : undefined
}

/**
 * The interpreter as installed in the runtime store (bin/pythonX.Y + lib/pythonX.Y/, its
 * stdlib), placed in each app's rootfs at Docker's usual python paths under /usr/local.
 */
export function pythonLayout(minor: string): {exe: string; stdlib: string} {
  return {exe: `/usr/local/bin/python${minor}`, stdlib: `/usr/local/lib/python${minor}`}
}

const versionProbe = {args: ['--version'], pattern: '^Python (\\d+\\.\\d+\\.\\d+)'}

/**
 * Python for niso apps: a host interpreter adopted with its standard library (or Debian's
 * python3.X-minimal + libpython3.X-stdlib, downloaded and unpacked, never installed on the host),
 * kept under /opt/niso/runtimes/python/<version>/. Apps vendor their dependencies in ./vendor,
 * which is on PYTHONPATH.
 */
export const python: RuntimeProvider = defineRuntime({
  id: 'python',
  apiVersion: PLUGIN_API_VERSION,
  description: "CPython (a host interpreter with its stdlib, or Debian's packages), deps vendored in ./vendor",
  install({version}): RuntimeInstallMethod[] {
    const minor = minorOf(version)
    if (!minor) {
      throw new ProviderError('E_RUNTIME_VERSION', `python:${version}: name a minor version, e.g. python:3.11`)
    }
    const adopt = {
      version: versionProbe,
      binary: `bin/python${minor}`,
      // Third-party packages are vendored by each app, never taken from the host's interpreter.
      trees: [
        {from: `{prefix}/lib/python${minor}`, to: `lib/python${minor}`, exclude: ['site-packages', 'dist-packages']},
      ],
    }
    return [
      {kind: 'adopt-host', candidates: [`python${minor}`], ...adopt},
      {
        kind: 'debian',
        packages: [`python${minor}-minimal`, `libpython${minor}-minimal`, `libpython${minor}-stdlib`],
        adopt: {candidates: [`/usr/bin/python${minor}`], ...adopt},
      },
    ]
  },
  async resolve(ctx) {
    const runtime = await requireRuntime(ctx)
    const minor = minorOf(runtime.version) ?? runtime.version
    const {exe, stdlib} = pythonLayout(minor)
    const hostStdlib = `${runtime.dir}/lib/python${minor}`
    const {probe} = ctx.host
    const interpreterLibs = await probe.libraryClosure(runtime.binary)
    // Extension modules (ssl, sqlite3, ctypes…): a module whose library is missing on the host
    // just fails to import, as it would on the host, instead of blocking every app.
    const moduleLibs = await probe.libraryClosure(`${hostStdlib}/lib-dynload`, {skipMissing: true})
    const libraries = [...new Set([...interpreterLibs, ...moduleLibs])].sort()
    const argv = interpreterArgv(
      ctx.app.manifest,
      {path: exe, aliases: ['python', 'python3', `python${minor}`]},
      'python',
    )
    const rootfs: RootfsStep[] = [
      {kind: 'bind-ro', host: runtime.binary, target: exe},
      {kind: 'bind-ro', host: hostStdlib, target: stdlib},
      {kind: 'symlink', target: '/usr/local/bin/python3', linkTo: `python${minor}`},
      {kind: 'symlink', target: '/usr/local/bin/python', linkTo: `python${minor}`},
      ...bindSame(libraries),
    ]
    const defaults: Record<string, string> = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      PYTHONPATH: VENDOR_DIR,
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
      LANG: 'C.UTF-8',
    }
    if (await probe.exists(CA_BUNDLE)) defaults.SSL_CERT_FILE = CA_BUNDLE
    return {
      unit: {
        Service: {
          ExecStart: execLine(argv),
          WorkingDirectory: ctx.app.manifest.binary?.working_dir ?? '/app',
          Environment: runtimeEnvironment(ctx.app.manifest, defaults),
        },
      },
      rootfs,
    }
  },
})

export const runtimes: RuntimeProvider[] = [python]
