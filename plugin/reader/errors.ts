/** Errors a caller can act on, with the gRPC status they map to (anything else is INTERNAL). */
import { status } from '@grpc/grpc-js';

export class QueryError extends Error {
  constructor(
    message: string,
    readonly code: status,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

export const invalidArgument = (message: string) => new QueryError(message, status.INVALID_ARGUMENT);
