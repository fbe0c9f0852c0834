import {defineNetworkBackendsHook} from '@niso/plugin-sdk'

import {backends} from '../index.js'

export default defineNetworkBackendsHook(backends)
