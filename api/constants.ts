/** Names of the KelemetryInstance API: group, version, kind and resource names. */
export const GROUP = 'kelemetry.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'KelemetryInstance';
export const PLURAL = 'kelemetryinstances';
export const SINGULAR = 'kelemetryinstance';
export const SHORT_NAMES = ['ki'];
/** Longest metadata.name: object names are derived from it by adding suffixes. */
export const MAX_NAME_LENGTH = 40;
