import { ApplicationFailure } from '@temporalio/activity';

/**
 * A failure caused by the user's data or configuration: retrying cannot help, and the message is
 * shown on the stage as it is, so it must say what to change.
 */
export function userError(message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type: 'UserError',
    nonRetryable: true,
    details: details === undefined ? undefined : [details],
  });
}
