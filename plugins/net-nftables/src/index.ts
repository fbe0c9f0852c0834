import type {NetworkBackend} from '@niso/plugin-sdk'

import {nftables} from './backend.js'

export {nftables} from './backend.js'
export {firewallRuleset} from './ruleset.js'
export {policyRuleset} from './policy.js'

export const backends: NetworkBackend[] = [nftables]
