/** Storage plugin settings (gRPC server, backend, display modes, trace cache, /redirect). Owned by plugin/. */
import { z } from 'zod';

export const pluginSection = z.object({});
