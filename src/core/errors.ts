/**
 * Errors a user sees: one line naming the file, field or path at fault, a stable code for --json,
 * and the process exit code. Anything else that escapes is a bug and is shown with its stack.
 */
export class NisoError extends Error {
  readonly code: string
  readonly exitCode: number
  readonly hint: string | undefined

  constructor(code: string, message: string, options: {exitCode?: number; hint?: string; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'NisoError'
    this.code = code
    this.exitCode = options.exitCode ?? 1
    this.hint = options.hint
  }
}

export function isNisoError(error: unknown): error is NisoError {
  return error instanceof NisoError
}

/** The message of anything thrown, for wrapping system errors into one line. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
