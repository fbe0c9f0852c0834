import {definePresetsHook} from '@niso/plugin-sdk'

import {presets} from '../index.js'

export default definePresetsHook(presets)
