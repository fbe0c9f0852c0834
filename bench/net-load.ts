import http from 'node:http'

/**
 * A bounded HTTP load: TOTAL GET requests to URL with CONCURRENCY in flight, a new connection
 * each (the server closes it), so every request crosses the DNAT path and conntrack afresh.
 * Prints {"ms": elapsed, "ok": successes} as one JSON line.
 *
 * usage: node net-load.ts URL TOTAL CONCURRENCY
 */
const [url = '', totalArg = '2000', concArg = '8'] = process.argv.slice(2)
const total = Number(totalArg)
const agent = new http.Agent({keepAlive: false})
let started = 0
let ok = 0

function one(): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get(url, {agent}, (res) => {
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
