import {defineRuntimesHook} from '@niso/plugin-sdk'

import {runtimes} from '../index.js'

export default defineRuntimesHook(runtimes)
