/** Mistakes in how a command was called: the commands answer them with exit status 2 and their usage. */
import { parseDuration } from '../../runtime/config/common.ts';

export class UsageError extends Error {}

/** A duration flag (`30s`, `2h`) in milliseconds; a bad value is a UsageError naming the flag. */
export function durationFlag(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}
