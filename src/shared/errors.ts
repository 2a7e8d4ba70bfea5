/**
 * A failure the user can act on. The CLI prints its message as one line on
 * stderr and exits non-zero, without a stack trace.
 */
export class UserError extends Error {
  override name = 'UserError';
}
