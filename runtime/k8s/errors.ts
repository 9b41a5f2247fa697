/**
 * The one error for an apiserver answer that was not 2xx (and for a watch's ERROR event), and the
 * classifiers callers branch on. Classification is by HTTP status code, as runtime/k8s always did;
 * `reason` is the Status reason, kept for finer checks (AlreadyExists, Expired) and for metrics.
 */
export class KubeApiError extends Error {
  constructor(
    readonly cluster: string,
    readonly method: string,
    readonly path: string,
    readonly statusCode: number,
    /** The Status reason (`NotFound`, `Conflict`, `Invalid`, `Expired`, `Gone`…), or "" when the body was not a Status. */
    readonly reason: string,
    detail: string,
  ) {
    super(`cluster ${cluster}: ${method} ${path}: HTTP ${statusCode}${reason ? ` ${reason}` : ''}: ${detail}`);
    this.name = 'KubeApiError';
  }
}

/** The error for a non-2xx answer whose body is a Status object, or any text (e.g. a proxy's error page). */
export function apiErrorFromBody(cluster: string, method: string, path: string, statusCode: number, body: string): KubeApiError {
  let reason = '';
  let message = body.slice(0, 500);
  try {
    const status = JSON.parse(body) as { reason?: unknown; message?: unknown } | null;
    if (typeof status?.reason === 'string') reason = status.reason;
    if (typeof status?.message === 'string') message = status.message;
  } catch {
    // Not a Status body: keep the raw text.
  }
  return new KubeApiError(cluster, method, path, statusCode, reason, message);
}

function hasCode(err: unknown, code: number): err is KubeApiError {
  return err instanceof KubeApiError && err.statusCode === code;
}

export function isNotFound(err: unknown): boolean {
  return hasCode(err, 404);
}

/** Any 409: an optimistic-concurrency conflict, or a create of a name that exists (see isAlreadyExists). */
export function isConflict(err: unknown): boolean {
  return hasCode(err, 409);
}

export function isAlreadyExists(err: unknown): boolean {
  return hasCode(err, 409) && err.reason === 'AlreadyExists';
}

/** 422: the object failed validation (e.g. a change of an immutable field). */
export function isInvalid(err: unknown): boolean {
  return hasCode(err, 422);
}

/** The resourceVersion (or continue token) a list/watch resumed from is too old: start over. */
export function isGone(err: unknown): boolean {
  return err instanceof KubeApiError && (err.statusCode === 410 || err.reason === 'Expired' || err.reason === 'Gone');
}
