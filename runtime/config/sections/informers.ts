/** Event controller, diff controller, diff cache and linkers. Owned by runtime/event, runtime/diff, runtime/linker. */
import { z } from 'zod';

export const informersSection = z.object({});
