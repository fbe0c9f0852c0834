import type {RuntimeProvider} from '@niso/plugin-sdk'

export const runtimes: RuntimeProvider[] = []
