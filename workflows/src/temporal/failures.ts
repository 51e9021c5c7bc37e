/** Turning Temporal failure chains into the one sentence a user should read. */
import { ApplicationFailure, TemporalFailure } from '@temporalio/workflow';

/**
 * The deepest message in a failure chain: the workflow/activity wrappers ("Activity task
 * failed", "Child Workflow execution failed") say where, the root cause says what.
 */
export function failureMessage(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  let current: unknown = err;
  while (current instanceof TemporalFailure && current.cause) {
    current = current.cause;
    if (current instanceof Error && current.message) message = current.message;
  }
  return message;
}

/** The application failure type at the root of a chain (e.g. `UserError`), if any. */
export function failureType(err: unknown): string | undefined {
  let type: string | undefined;
  let current: unknown = err;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && current.type) type = current.type;
    current = current instanceof TemporalFailure ? current.cause : undefined;
  }
  return type;
}
