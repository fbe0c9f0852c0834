import type {IsolationPreset} from '@niso/plugin-sdk'

export const presets: IsolationPreset[] = []
