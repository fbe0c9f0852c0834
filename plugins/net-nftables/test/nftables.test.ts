import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import type {Attachment, FirewallState} from '@niso/plugin-sdk'

import {firewallRuleset, nftables, policyRuleset} from '../dist/index.js'

const NET_A = {
  name: 'niso-default',
  subnet: '10.99.0.0/24',
  gateway: '10.99.0.1',
  prefix: 24,
  bridge: 'niso-default',
}
const NET_B = {name: 'back', subnet: '10.99.1.0/24', gateway: '10.99.1.1', prefix: 24, bridge: 'niso-back'}

const STATE: FirewallState = {
  networks: [NET_A, NET_B],
  services: [
    {
      name: 'api',
      address: '10.99.0.2',
      network: 'niso-default',
      ports: [
        {hostPort: 8080, containerPort: 80, proto: 'tcp'},
        {hostPort: 5353, containerPort: 53, proto: 'udp'},
      ],
    },
    {
      name: 'db',
      address: '10.99.1.2',
      network: 'back',
      ports: [{hostIp: '127.0.0.1', hostPort: 5432, containerPort: 5432, proto: 'tcp'}],
    },
  ],
  file: '/opt/niso/net/ruleset.nft',
}

describe('net-nftables', () => {
  it('renders the whole inet niso table as one transaction (golden)', () => {
    assert.equal(
      firewallRuleset(STATE),
      `table inet niso {}
delete table inet niso
table inet niso {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		udp dport 5353 fib daddr type local dnat ip to 10.99.0.2:53
		tcp dport 8080 fib daddr type local dnat ip to 10.99.0.2:80
		tcp dport 5432 ip daddr 127.0.0.1 dnat ip to 10.99.1.2:5432
	}
	chain output {
		type nat hook output priority -100; policy accept;
		udp dport 5353 fib daddr type local dnat ip to 10.99.0.2:53
		tcp dport 8080 fib daddr type local dnat ip to 10.99.0.2:80
		tcp dport 5432 ip daddr 127.0.0.1 dnat ip to 10.99.1.2:5432
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 127.0.0.0/8 oifname "niso-default" ct status dnat masquerade
		ip saddr 10.99.0.0/24 oifname != "niso-default" masquerade
		ip saddr 127.0.0.0/8 oifname "niso-back" ct status dnat masquerade
		ip saddr 10.99.1.0/24 oifname != "niso-back" masquerade
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		ct state established,related accept
		iifname "niso-default" oifname { "niso-back" } drop
		iifname "niso-back" oifname { "niso-default" } drop
	}
}
`,
    )
    const fw = nftables.firewall(STATE)
    assert.deepEqual(fw.load, [{argv: ['nft', '-f', '/opt/niso/net/ruleset.nft']}])
    assert.deepEqual(fw.unload, [{argv: ['nft', 'delete', 'table', 'inet', 'niso'], ignoreFailure: true}])
  })

  it('renders policies for the service namespace (golden)', () => {
    assert.equal(
      policyRuleset('10.99.0.1', {
        allowFrom: ['10.99.0.3'],
        denyFrom: ['10.99.0.9'],
        egressAllow: [{cidr: '10.99.0.0/24'}],
        egressDeny: [{cidr: '10.99.0.4', port: 5432}],
      }),
      `table inet niso_policy {}
delete table inet niso_policy
table inet niso_policy {
	chain input {
		type filter hook input priority filter; policy accept;
		ct state established,related accept
		iifname "lo" accept
		ip saddr { 10.99.0.9 } drop
		ip saddr 10.99.0.1 accept
		ip saddr { 10.99.0.3 } accept
		drop
	}
	chain output {
		type filter hook output priority filter; policy accept;
		ct state established,related accept
		oifname "lo" accept
		ip daddr 10.99.0.4 meta l4proto { tcp, udp } th dport 5432 drop
		ip daddr 10.99.0.0/24 accept
		drop
	}
}
`,
    )
    assert.doesNotMatch(policyRuleset('10.99.0.1', undefined), /drop/)
  })

  it('plans a service: namespace, veth, address, route, policy; unit joins the namespace', async () => {
    const attachment: Attachment = {
      network: NET_A,
      address: '10.99.0.2',
      hostname: 'api',
      netns: 'niso-api',
      hostIface: 'nv-api',
      bridgeUnit: 'niso-net-niso-default.service',
      netnsUnit: 'niso-netns-api.service',
      ports: [],
      hostsDir: '/opt/niso/net/hosts/api',
      policyFile: '/opt/niso/net/policy/api.nft',
    }
    const plan = await nftables.plan({app: {} as never, host: {} as never, attachment})
    assert.deepEqual(plan.unit, {
      Unit: {Requires: ['niso-netns-api.service'], After: ['niso-netns-api.service']},
      Service: {NetworkNamespacePath: '/run/netns/niso-api'},
    })
    assert.deepEqual(plan.rootfs, [
      {kind: 'bind-ro', host: '/opt/niso/net/hosts/api', target: '/etc/niso-net'},
      {kind: 'symlink', target: '/etc/hosts', linkTo: 'niso-net/hosts'},
    ])
    const lines = plan.setup.map((c) => `${c.ignoreFailure ? '-' : ''}${c.argv.join(' ')}`)
    assert.deepEqual(lines, [
      '-ip link delete nv-api',
      '-ip netns delete niso-api',
      'ip netns add niso-api',
      'ip link add nv-api type veth peer name eth0 netns niso-api',
      'ip link set nv-api master niso-default up',
      'ip -n niso-api link set lo up',
      'ip -n niso-api address add 10.99.0.2/24 dev eth0',
      'ip -n niso-api link set eth0 up',
      'ip -n niso-api route add default via 10.99.0.1',
      'ip netns exec niso-api nft -f /opt/niso/net/policy/api.nft',
    ])
    assert.deepEqual(
      plan.teardown.map((c) => c.argv.join(' ')),
      ['ip link delete nv-api', 'ip netns delete niso-api'],
    )
  })

  it('bridges get the gateway address, route_localnet and forwarding on that bridge only', () => {
    const b = nftables.bridge(NET_B)
    assert.deepEqual(
      b.setup.map((c) => c.argv.join(' ')),
      [
        'ip link add niso-back type bridge',
        'ip address replace 10.99.1.1/24 dev niso-back',
        'ip link set niso-back up',
        'sysctl -q -w net.ipv4.conf.niso-back.route_localnet=1',
        'sysctl -q -w net.ipv4.conf.niso-back.forwarding=1',
      ],
    )
    assert.deepEqual(b.teardown, [{argv: ['ip', 'link', 'delete', 'niso-back'], ignoreFailure: true}])
  })
})
