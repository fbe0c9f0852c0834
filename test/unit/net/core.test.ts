import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {planAttach} from '../../../dist/core/net/attach-plan.js'
import {parseSubnet} from '../../../dist/core/net/cidr.js'
import {planNetwork} from '../../../dist/core/net/create-network.js'
import {parseProcNet} from '../../../dist/core/net/host-sockets.js'
import {renderHosts} from '../../../dist/core/net/hosts-file.js'
import {bridgeName, hostIfaceName, netnsUnitName} from '../../../dist/core/net/names.js'
import {resolvePolicy} from '../../../dist/core/net/policy.js'
import {parsePort} from '../../../dist/core/net/ports.js'
import type {NetState} from '../../../dist/core/net/state.js'

const NOW = '2025-01-01T00:00:00.000Z'
const EMPTY: NetState = {networks: [], leases: [], ports: []}
const withDefault = (over: Partial<NetState> = {}): NetState => ({
  networks: [{name: 'niso-default', subnet: '10.99.0.0/24', bridge: 'niso-default', createdAt: NOW}],
  leases: [],
  ports: [],
  ...over,
})
const attach = (service: string, section: object, state: NetState = EMPTY, sockets: never[] = []) =>
  planAttach({service, section, state, sockets, now: NOW})

describe('port specs', () => {
  it('parses H:C, H:C/tcp, H:C/udp and IP:H:C', () => {
    assert.deepEqual(parsePort('8080:80', 'p'), {hostPort: 8080, containerPort: 80, proto: 'tcp'})
    assert.deepEqual(parsePort('8080:80/tcp', 'p'), {hostPort: 8080, containerPort: 80, proto: 'tcp'})
    assert.deepEqual(parsePort('53:5353/udp', 'p'), {hostPort: 53, containerPort: 5353, proto: 'udp'})
    assert.deepEqual(parsePort('127.0.0.1:8080:80', 'p'), {
      hostIp: '127.0.0.1',
      hostPort: 8080,
      containerPort: 80,
      proto: 'tcp',
    })
  })
  it('refuses ports out of range, bad addresses and other shapes, naming the field', () => {
    assert.throws(
      () => parsePort('70000:80', 'ports[0]'),
      /^NisoError: ports\[0\]: "70000:80": port 70000 is not 1–65535$/,
    )
    assert.throws(() => parsePort('0:80', 'ports[0]'), /port 0 is not/)
    assert.throws(
      () => parsePort('300.1.1.1:80:80', 'ports[1]'),
      /ports\[1\]: "300\.1\.1\.1:80:80": 300\.1\.1\.1 is not/,
    )
    assert.throws(() => parsePort('80', 'ports[2]'), /ports\[2\]: "80" must be/)
  })
})

describe('interface names', () => {
  it('bridges are niso-<net> when that fits 15 characters, else a stable hash', () => {
    assert.equal(bridgeName('web'), 'niso-web')
    assert.equal(bridgeName('backend-1'), 'niso-backend-1')
    const long = bridgeName('a-very-long-network-name')
    assert.equal(long.length, 15)
    assert.match(long, /^niso-[0-9a-f]{10}$/)
    assert.equal(bridgeName('a-very-long-network-name'), long)
    assert.notEqual(bridgeName('a-very-long-network-namf'), long)
  })
  it('veth host ends and netns units are derived from the service name', () => {
    assert.equal(hostIfaceName('api'), 'nv-api')
    assert.match(hostIfaceName('@acme/billing-service'), /^nv-[0-9a-f]{12}$/)
    assert.equal(netnsUnitName('@acme/api'), 'niso-netns-acme-api.service')
  })
})

describe('subnets and networks', () => {
  it('refuses bad CIDRs with one line naming the field', () => {
    assert.throws(
      () => parseSubnet('10.0.0.0/33', '--subnet'),
      /^NisoError: --subnet: "10\.0\.0\.0\/33" is not an IPv4 CIDR/,
    )
    assert.throws(() => parseSubnet('banana', '--subnet'), /is not an IPv4 CIDR/)
    assert.throws(() => parseSubnet('10.0.0.5/24', '--subnet'), /has host bits set \(the network is 10\.0\.0\.0\/24\)/)
  })
  it('net create picks the next free 10.99.N.0/24, keeping the default range reserved', () => {
    assert.equal(planNetwork(EMPTY, 'a', undefined, NOW).subnet, '10.99.1.0/24')
    const state = withDefault({
      networks: [...withDefault().networks, {name: 'a', subnet: '10.99.1.0/24', bridge: 'niso-a', createdAt: NOW}],
    })
    assert.deepEqual(planNetwork(state, 'b', undefined, NOW), {
      name: 'b',
      subnet: '10.99.2.0/24',
      bridge: 'niso-b',
      createdAt: NOW,
    })
    assert.throws(
      () => planNetwork(state, 'c', '10.99.1.128/25', NOW),
      /--subnet 10\.99\.1\.128\/25 overlaps network "a"/,
    )
    assert.throws(() => planNetwork(state, 'a', undefined, NOW), /network "a" already exists/)
    assert.throws(() => planNetwork(state, 'Bad_Name', undefined, NOW), /network name "Bad_Name" must be/)
    assert.equal(planNetwork(state, 'c', '192.168.50.0/24', NOW).subnet, '192.168.50.0/24')
  })
})

describe('IPAM and attach planning', () => {
  it('creates the default network on first use and hands out .2 onwards', () => {
    const a = attach('api', {})
    assert.equal(a.createNetwork?.subnet, '10.99.0.0/24')
    assert.equal(a.address, '10.99.0.2')
    assert.equal(a.network.gateway, '10.99.0.1')
    assert.equal(a.hostname, 'api')
    const state = withDefault({
      leases: [{service: 'api', network: 'niso-default', ip: '10.99.0.2', hostname: 'api', policy: null}],
    })
    assert.equal(attach('db', {}, state).address, '10.99.0.3')
    assert.equal(attach('db', {}, state).createNetwork, undefined)
  })
  it("keeps a service's lease across versions", () => {
    const state = withDefault({
      leases: [
        {service: 'api', network: 'niso-default', ip: '10.99.0.7', hostname: 'api', policy: null},
        {service: 'db', network: 'niso-default', ip: '10.99.0.2', hostname: 'db', policy: null},
      ],
    })
    assert.equal(attach('api', {}, state).address, '10.99.0.7')
  })
  it('honours a static ip and refuses one outside the subnet, reserved or leased', () => {
    const state = withDefault({
      leases: [{service: 'db', network: 'niso-default', ip: '10.99.0.9', hostname: 'db', policy: null}],
    })
    assert.equal(attach('api', {ip: '10.99.0.50'}, state).address, '10.99.0.50')
    assert.throws(
      () => attach('api', {ip: '10.98.0.5'}, state),
      /^NisoError: manifest\.toml \[network\] ip: 10\.98\.0\.5 is outside network "niso-default" \(10\.99\.0\.0\/24\)$/,
    )
    assert.throws(() => attach('api', {ip: '10.99.0.1'}, state), /is the gateway of network "niso-default"/)
    assert.throws(() => attach('api', {ip: '10.99.0.255'}, state), /is the network or broadcast address/)
    assert.throws(() => attach('api', {ip: '10.99.0.9'}, state), /10\.99\.0\.9 is leased to db/)
  })
  it('refuses an unknown network and a hostname taken on the network', () => {
    assert.throws(() => attach('api', {network: 'nope'}), /\[network\] network: unknown network "nope"/)
    const state = withDefault({
      leases: [{service: 'db', network: 'niso-default', ip: '10.99.0.2', hostname: 'db', policy: null}],
    })
    assert.throws(() => attach('api', {hostname: 'db'}, state), /hostname: "db" is already used by db/)
  })
  it('refuses a host port mapped by another service or bound on the host, naming the holder', () => {
    const state = withDefault({
      ports: [{service: 'db', mapping: {hostPort: 5432, containerPort: 5432, proto: 'tcp'}, origin: 'manifest'}],
    })
    assert.throws(
      () => attach('api', {ports: ['5432:80']}, state),
      /host port 5432\/tcp is already taken by db \(5432:5432\/tcp\)/,
    )
    assert.equal(attach('api', {ports: ['5432:80/udp']}, state).ports.length, 1)
    assert.equal(attach('db', {ports: ['5432:5432']}, state).ports.length, 1, 'its own mapping is no clash')
    const sockets = [{proto: 'tcp', port: 8080, holder: 'nginx (pid 12)', inode: '1'}] as never[]
    assert.throws(
      () => attach('api', {ports: ['8080:80']}, EMPTY, sockets),
      /host port 8080\/tcp is already taken by nginx \(pid 12\)/,
    )
    assert.throws(() => attach('api', {ports: ['9000:80', '9000:81']}), /9000:80\/tcp earlier in the list/)
  })
})

describe('host sockets', () => {
  it('reads listening TCP and bound UDP sockets from /proc/net tables', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1',
      '   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1',
      '   2: 0100007F:8F2C 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 333 1',
    ].join('\n')
    assert.deepEqual(parseProcNet(tcp, 'tcp', false), [
      {proto: 'tcp', ip: '127.0.0.1', port: 8080, inode: '111'},
      {proto: 'tcp', port: 80, inode: '222'},
    ])
  })
})

describe('discovery and policy resolution', () => {
  it('renders hosts with the service itself and its peers as <name>.niso.local and <name>', () => {
    assert.equal(
      renderHosts({address: '10.99.0.3', hostname: 'api'}, [{address: '10.99.0.2', hostname: 'db'}]),
      '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.99.0.3\tapi.niso.local api\n10.99.0.2\tdb.niso.local db\n',
    )
    assert.equal(
      renderHosts({address: '10.99.0.3', hostname: 'api'}, [], 'host1'),
      '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.99.0.3\tapi.niso.local api host1\n',
    )
  })
  it('resolves networks to subnets and services to addresses; unknown names to nothing yet', () => {
    const state = withDefault({
      networks: [
        ...withDefault().networks,
        {name: 'back', subnet: '10.99.5.0/24', bridge: 'niso-back', createdAt: NOW},
      ],
      leases: [{service: 'db', network: 'niso-default', ip: '10.99.0.2', hostname: 'pg', policy: null}],
    })
    assert.deepEqual(
      resolvePolicy(
        {allow_from: ['db', 'back', '192.168.1.0/24', 'later'], egress: {deny: ['pg:5432', '8.8.8.8']}},
        state,
      ),
      {
        allowFrom: ['10.99.0.2', '10.99.5.0/24', '192.168.1.0/24'],
        denyFrom: [],
        egressDeny: [{cidr: '10.99.0.2', port: 5432}, {cidr: '8.8.8.8'}],
      },
    )
    assert.equal(resolvePolicy(null, state), undefined)
    assert.throws(() => resolvePolicy({deny_from: ['10.0.0.1/40']}, state), /is not an IPv4 CIDR/)
  })
})
