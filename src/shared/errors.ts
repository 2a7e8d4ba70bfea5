/**
 * A failure the user can act on. The CLI prints its message as one line on
 * stderr and exits non-zero, without a stack trace.
 */
export class UserError extends Error {
  override name = 'UserError';

  /** What the one line cannot hold (every id it names the first few of): printed as JSON on stdout with `--json`. */
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
