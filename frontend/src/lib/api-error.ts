export type FieldErrorDetail = { field: string; message: string };

/** Every failure of an API call, normalised: HTTP errors, non-JSON answers and network failures. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  /** Seconds to wait before retrying, from a Retry-After header (429/503). */
  readonly retryAfter: number | null;

  constructor(opts: { status: number; code: string; message: string; details?: unknown; retryAfter?: number | null }) {
    super(opts.message);
    this.name = 'ApiError';
    this.status = opts.status;
    this.code = opts.code;
    this.details = opts.details ?? null;
    this.retryAfter = opts.retryAfter ?? null;
  }

  /** Validation details as a list of {field, message}; empty when the server sent none. */
  get fieldErrors(): FieldErrorDetail[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.flatMap((d): FieldErrorDetail[] => {
      if (!d || typeof d !== 'object') return [];
      const rec = d as Record<string, unknown>;
      const raw = rec.field ?? rec.loc ?? rec.path;
      const field = Array.isArray(raw) ? raw.join('.') : typeof raw === 'string' ? raw : '';
      const message = typeof rec.message === 'string' ? rec.message : typeof rec.msg === 'string' ? rec.msg : '';
      return message ? [{ field: normaliseField(field), message }] : [];
    });
  }
}

// Servers often prefix locations with "body"; the forms name fields without it.
function normaliseField(field: string): string {
  return field.replace(/^(body|json)\./, '').replace(/\[(\d+)\]/g, '.$1');
}

export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

export async function apiErrorFromResponse(res: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(res.headers.get('Retry-After'));
  let body: unknown;
  try {
    const text = await res.text();
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null; // An HTML error page from a proxy, for instance.
  }
  const envelope = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (envelope && typeof envelope.message === 'string') {
    return new ApiError({
      status: res.status,
      code: typeof envelope.code === 'string' ? envelope.code : `http_${res.status}`,
      message: envelope.message,
      details: envelope.details,
      retryAfter,
    });
  }
  return new ApiError({
    status: res.status,
    code: `http_${res.status}`,
    message: fallbackMessage(res.status, res.statusText),
    retryAfter,
  });
}

function fallbackMessage(status: number, statusText: string): string {
  if (status === 429) return 'Too many requests. Please wait a moment and try again.';
  if (status >= 500) return `The server failed to answer (${status}${statusText ? ` ${statusText}` : ''}). Please try again.`;
  return `Request failed (${status}${statusText ? ` ${statusText}` : ''}).`;
}

export function networkError(cause: unknown): ApiError {
  const err = new ApiError({
    status: 0,
    code: 'network_error',
    message: 'Cannot reach the server. Check your connection and try again.',
  });
  (err as { cause?: unknown }).cause = cause;
  return err;
}

/** A human message for any thrown value, so no screen ever renders blank. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 429 && error.retryAfter != null) {
      return `${error.message} (retry in ${error.retryAfter} s)`;
    }
    return error.message;
  }
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}
