/**
 * The NODE_OPTIONS the consumer and frontend pods ship with by default (manifests/constructs/kelemetryPod.ts
 * `v8Options`: 8 MiB semi-space, old space 3/4 of the 1 GiB memory limit). Benches run our server this way
 * unless told otherwise, so they measure what is shipped; nodeFlags.test.ts keeps the two in step.
 */
export const shippedNodeFlags = '--max-semi-space-size=8 --max-old-space-size=768';
