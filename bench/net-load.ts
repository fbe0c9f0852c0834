import http from 'node:http'

/**
 * A bounded HTTP load: TOTAL GET requests to URL with CONCURRENCY in flight, a new connection
 * each (the server closes it), so every request crosses the DNAT path and conntrack afresh.
 * Prints {"ms": elapsed, "ok": successes} as one JSON line.
 *
 * PORTS (FIRST-LAST): the client ports to connect from, in turn, instead of the kernel's
 * ephemeral ones. The server closes first, so it keeps each connection's 4-tuple in TIME_WAIT
 * for 60 s; a new SYN on that tuple is only accepted when its TCP timestamp is newer. Two loads
 * whose connections reach the server from the same address (the host's address on the bridge,
 * which is also what the mapped port's masquerade gives) but with different timestamp clocks
 * (Linux offsets them per address pair) must not share ports, or one's TIME_WAIT refuses the
 * other's SYNs and each refusal costs a 1 s SYN retransmission.
 *
 * usage: node net-load.ts URL TOTAL CONCURRENCY [PORTS]
 */
const [url = '', totalArg = '2000', concArg = '8', portsArg] = process.argv.slice(2)
const total = Number(totalArg)
const agent = new http.Agent({keepAlive: false})
const [firstPort = 0, lastPort = 0] = (portsArg ?? '').split('-').map(Number)
let nextPort = firstPort
let started = 0
let ok = 0

function localPort(): {localPort?: number} {
  if (!firstPort) return {}
  const port = nextPort
  nextPort = port === lastPort ? firstPort : port + 1
  return {localPort: port}
}

function one(): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get(url, {agent, ...localPort()}, (res) => {
      res.resume()
      res.on('end', () => {
        if (res.statusCode === 200) ok++
        resolve()
      })
    })
    req.on('error', () => resolve())
  })
}

async function worker(): Promise<void> {
  while (started < total) {
    started++
    await one()
  }
}

const t0 = performance.now()
await Promise.all(Array.from({length: Number(concArg)}, worker))
process.stdout.write(`${JSON.stringify({ms: performance.now() - t0, ok})}\n`)
