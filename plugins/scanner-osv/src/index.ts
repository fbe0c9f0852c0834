import type {Scanner} from '@niso/plugin-sdk'

export const scanners: Scanner[] = []
