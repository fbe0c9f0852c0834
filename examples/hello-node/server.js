// The example app: a dependency-free HTTP server that reports who and where it runs.
import http from 'node:http'
import os from 'node:os'

const port = Number(process.env.PORT ?? 8080)
const started = new Date().toISOString()

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, {'content-type': 'text/plain'})
    res.end('ok\n')
    return
  }
  res.writeHead(200, {'content-type': 'application/json'})
  res.end(
    JSON.stringify({
      app: 'hello-node',
      version: process.env.APP_VERSION ?? 'unknown',
      node: process.version,
      uid: process.getuid?.(),
      hostname: os.hostname(),
      started,
    }) + '\n',
  )
})

server.listen(port, () => console.log(`hello-node listening on :${port}`))
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)))
