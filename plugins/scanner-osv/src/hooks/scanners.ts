import {defineScannersHook} from '@niso/plugin-sdk'

import {scanners} from '../index.js'

export default defineScannersHook(scanners)
