/** Audit webhook and consumer settings. Owned by the audit pipeline (runtime/audit). */
import { z } from 'zod';

export const auditSection = z.object({});
