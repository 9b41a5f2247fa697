/**
 * Builds the provider of an `extension` modifier from its args (spec 8.9): `kind` picks the provider, the
 * same JSON configures it. Errors name the modifier and the field, as display-mode file errors do.
 */
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { nullLogger, type Logger } from '../../runtime/util/log.ts';
import type { RemoteStorageOptions } from '../backend/remoteStorage.ts';
import { HttpTraceProvider, httpTraceArgs } from './httpTrace.ts';
import { JaegerStorageProvider, jaegerStorageArgs } from './jaegerStorage.ts';
import { ExtensionMetrics } from './metrics.ts';
import type { Extension, ExtensionProvider } from './types.ts';

export interface ExtensionDeps {
  /** The plugin's backend: JaegerStorage providers without `remoteStorage` read from it. */
  remoteStorage?: RemoteStorageOptions;
  registry?: Registry;
  logger?: Logger;
}

export const extensionKinds = ['JaegerStorage', 'HTTPTrace'] as const;

function parse<S extends z.ZodType>(schema: S, args: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(args);
  if (!parsed.success) throw new Error(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'args'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function createExtension(name: string, rawArgs: unknown, deps: ExtensionDeps, where: string): Extension {
  if (!rawArgs || typeof rawArgs !== 'object' || Array.isArray(rawArgs)) throw new Error(`${where}: args must be an object with a kind (${extensionKinds.join(', ')})`);
  const rawConfig = rawArgs as Record<string, unknown>;
  let provider: ExtensionProvider;
  let modifierClass: string;
  switch (rawConfig.kind) {
    case 'JaegerStorage': {
      const args = parse(jaegerStorageArgs, rawConfig, where);
      modifierClass = args.modifierClass;
      provider = new JaegerStorageProvider(args, deps.remoteStorage, where);
      break;
    }
    case 'HTTPTrace': {
      const args = parse(httpTraceArgs, rawConfig, where);
      modifierClass = args.modifierClass;
      provider = new HttpTraceProvider(args, where);
      break;
    }
    default:
      throw new Error(`${where}: unknown extension kind ${JSON.stringify(rawConfig.kind)} (known: ${extensionKinds.join(', ')})`);
  }
  return {
    name,
    modifierClass,
    rawConfig,
    provider,
    metrics: new ExtensionMetrics(name, provider.kind, deps.registry),
    logger: (deps.logger ?? nullLogger).child({ extension: name, kind: provider.kind }),
  };
}
