import type {NetworkBackend} from '@niso/plugin-sdk'

export const backends: NetworkBackend[] = []
