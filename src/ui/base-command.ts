import {Command} from '@oclif/core'

import {isNisoError} from '../core/errors.js'

/**
 * The base of every niso command: `--json` on every command, and errors rendered as one line
 * (`niso: <message>`) with the error's own exit code. Bugs keep their stack for reporting.
 */
export abstract class NisoCommand extends Command {
  static override enableJsonFlag = true

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (isNisoError(error)) {
      if (this.jsonEnabled()) {
        this.logJson({error: {code: error.code, message: error.message, hint: error.hint}})
      } else {
        process.stderr.write(`niso: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`)
      }
      this.exit(error.exitCode)
    }
    return super.catch(error)
  }

  /** Writes a warning line to stderr (never to stdout, which --json keeps clean). */
  protected warnLine(message: string): void {
    process.stderr.write(`niso: warning: ${message}\n`)
  }
}
