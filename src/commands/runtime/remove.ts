import {Args} from '@oclif/core'

import {NisoCommand} from '../../ui/base-command.js'

export default class RuntimeRemove extends NisoCommand {
  static override summary = 'Remove an installed runtime version (refused while an active service uses it).'

  static override examples = ['<%= config.bin %> runtime remove nodejs:20.19.0']

  static override args = {
    ref: Args.string({description: 'runtime and exact version, e.g. nodejs:20.19.0', required: true}),
  }

  public async run(): Promise<object> {
    const {args} = await this.parse(RuntimeRemove)
    const [{nisoPaths}, {parseRuntimeRef, removeRuntimeDir, runtimeDir}, {servicesUsing}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/runtimes/store.js'),
      import('../../system/runtimes/providers.js'),
    ])
    const paths = nisoPaths()
    const {id, version} = parseRuntimeRef(args.ref)
    const users = await servicesUsing(paths, runtimeDir(paths, id, version))
    if (users.length) {
      const {NisoError} = await import('../../core/errors.js')
      throw new NisoError(
        'E_RUNTIME_IN_USE',
        `runtime ${id}:${version} is used by active service(s): ${users.join(', ')}`,
        {
          hint: 'deactivate them or activate versions that use another runtime first',
        },
      )
    }
    const dir = await removeRuntimeDir(paths, id, version)
    this.log(`Removed runtime ${id}:${version} (${dir})`)
    return {id, version, dir}
  }
}
