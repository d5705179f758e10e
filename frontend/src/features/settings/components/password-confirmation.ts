import { ApiError, errorMessage } from '@/lib/api-error';
import { formatWait } from '@/lib/format';

/**
 * How the export and the deletion show a refused password confirmation: a wrong password goes on the
 * password field (`fieldError`), the throttle says how long to wait; anything else is the server's message.
 */
export function passwordConfirmationError(error: unknown): { fieldError?: string; message?: string } {
  if (!error) return {};
  if (error instanceof ApiError && error.code === 'wrong_password') {
    return { fieldError: 'Wrong password. Check it and try again.' };
  }
  if (error instanceof ApiError && error.status === 429) {
    const wait = error.retryAfter != null ? `Wait ${formatWait(error.retryAfter)}` : 'Wait a while';
    return { message: `Too many password attempts. ${wait} and try again.` };
  }
  return { message: errorMessage(error) };
}
