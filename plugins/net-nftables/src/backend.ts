import {type NetCommand, type NetworkBackend, PLUGIN_API_VERSION} from '@niso/plugin-sdk'

import {policyRuleset} from './policy.js'
import {firewallRuleset} from './ruleset.js'

/** Inside the namespace the service's end of the veth pair is always eth0. */
const INNER_IFACE = 'eth0'
/** Where the service sees its hosts directory (a read-only bind); /etc/hosts points into it. */
const HOSTS_MOUNT = '/etc/niso-net'

const run = (...argv: string[]): NetCommand => ({argv})
const tryRun = (...argv: string[]): NetCommand => ({argv, ignoreFailure: true})

/**
 * Linux bridges, one named network namespace and veth pair per service, and one nftables table
 * (`inet niso`) for port mappings, masquerade and isolation between networks. Policies are a
 * table inside each service's own namespace, where the service (without CAP_NET_ADMIN) cannot
 * change it.
 */
export const nftables: NetworkBackend = {
  id: 'bridge',
  apiVersion: PLUGIN_API_VERSION,
  description: 'Linux bridges, per-service network namespaces and veth pairs, nftables DNAT and policies',

  plan({attachment: a}) {
    const ns = a.netns
    const inNs = (...argv: string[]) => run('ip', '-n', ns, ...argv)
    const teardown = [tryRun('ip', 'link', 'delete', a.hostIface), tryRun('ip', 'netns', 'delete', ns)]
    const loadPolicy = run('ip', 'netns', 'exec', ns, 'nft', '-f', a.policyFile)
    return {
      unit: {
        Unit: {Requires: [a.netnsUnit], After: [a.netnsUnit]},
        Service: {NetworkNamespacePath: `/run/netns/${ns}`},
      },
      rootfs: [
        {kind: 'bind-ro', host: a.hostsDir, target: HOSTS_MOUNT},
        // Relative, so it resolves the same from the host through /proc/<pid>/root.
        {kind: 'symlink', target: '/etc/hosts', linkTo: `${HOSTS_MOUNT.slice('/etc/'.length)}/hosts`},
      ],
      setup: [
        // Leftovers of an unclean stop would make the adds fail.
        ...teardown,
        run('ip', 'netns', 'add', ns),
        run('ip', 'link', 'add', a.hostIface, 'type', 'veth', 'peer', 'name', INNER_IFACE, 'netns', ns),
        run('ip', 'link', 'set', a.hostIface, 'master', a.network.bridge, 'up'),
        inNs('link', 'set', 'lo', 'up'),
        inNs('address', 'add', `${a.address}/${a.network.prefix}`, 'dev', INNER_IFACE),
        inNs('link', 'set', INNER_IFACE, 'up'),
        inNs('route', 'add', 'default', 'via', a.network.gateway),
        loadPolicy,
      ],
      teardown,
      policy: policyRuleset(a.network.gateway, a.policy),
      reloadPolicy: [loadPolicy],
    }
  },

  bridge(net) {
    const br = net.bridge
    return {
      setup: [
        tryRun('ip', 'link', 'add', br, 'type', 'bridge'),
        run('ip', 'address', 'replace', `${net.gateway}/${net.prefix}`, 'dev', br),
        run('ip', 'link', 'set', br, 'up'),
        // 127.0.0.1:PORT reaches services: locally generated packets keep a loopback source.
        run('sysctl', '-q', '-w', `net.ipv4.conf.${br}.route_localnet=1`),
        // Forwarding for packets arriving on niso's bridges only (egress of the services).
        run('sysctl', '-q', '-w', `net.ipv4.conf.${br}.forwarding=1`),
      ],
      teardown: [tryRun('ip', 'link', 'delete', br)],
    }
  },

  firewall(state) {
    return {
      ruleset: firewallRuleset(state),
      load: [run('nft', '-f', state.file)],
      unload: [tryRun('nft', 'delete', 'table', 'inet', 'niso')],
    }
  },
}
