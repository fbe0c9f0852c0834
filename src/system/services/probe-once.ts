/**
 * Runs one HTTP or TCP probe and prints its result as JSON. `probeService` starts it through
 * `nsenter --net` when the service has a network namespace of its own (its 127.0.0.1 is not the
 * host's): Node cannot enter a namespace itself.
 *
 * usage: node probe-once.js '{"probe":{…},"timeoutMs":N}'
 */
import type {Probe} from '../../core/health/probe-spec.js'
import {runProbe} from '../health/run-probe.js'

const input = JSON.parse(process.argv[2] ?? '{}') as {probe: Probe; timeoutMs: number}
process.stdout.write(`${JSON.stringify(await runProbe(input.probe, input.timeoutMs))}\n`)
