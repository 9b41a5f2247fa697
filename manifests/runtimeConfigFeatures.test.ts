/** Spec fields of the optional features reach the runtime config of the role that uses them. */
import { describe, expect, it } from 'vitest';
import { parseInstance } from '../api/types.ts';
import { parseConfig } from '../runtime/config/load.ts';
import { renderRuntimeConfig } from './runtimeConfig.ts';

const instance = (spec: Record<string, unknown>) =>
  parseInstance({ apiVersion: 'kelemetry.io/v1alpha1', kind: 'KelemetryInstance', metadata: { name: 'k', namespace: 'ns' }, spec: { version: '0.1.0', clusters: [{ name: 'east' }], ...spec } });

describe('feature fields in the rendered runtime config', () => {
  it('frontend.uiUrl becomes plugin.uiUrl (absent by default)', () => {
    const withUi = parseConfig(renderRuntimeConfig(instance({ frontend: { uiUrl: 'https://ui.example.com/jaeger/' } }), 'frontend'), 'frontend');
    expect(withUi.plugin?.uiUrl).toBe('https://ui.example.com/jaeger/');
    expect(parseConfig(renderRuntimeConfig(instance({}), 'frontend'), 'frontend').plugin?.uiUrl).toBeUndefined();
  });
});
