import type {ChildProcess} from 'node:child_process'

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/**
 * While `child` runs, signals to niso go to it instead of killing niso first, so a `kill` aimed at
 * niso alone does not orphan the child. SIGINT is not passed on when stdin is a terminal: Ctrl-C
 * already reached the whole foreground process group, and a second one would interrupt an
 * interactive command twice. Returns whether a signal arrived, and the cleanup.
 */
export function forwardSignals(child: ChildProcess): {received(): boolean; stop(): void} {
  let received = false
  const fromTerminal = process.stdin.isTTY === true
  const handlers = SIGNALS.map((signal) => {
    const handler = () => {
      received = true
      if (!(signal === 'SIGINT' && fromTerminal)) child.kill(signal)
    }
    process.on(signal, handler)
    return [signal, handler] as const
  })
  return {
    received: () => received,
    stop: () => {
      for (const [signal, handler] of handlers) process.off(signal, handler)
    },
  }
}
