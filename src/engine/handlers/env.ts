import { tf } from '../../backend/tf';
import { PROTOCOL_VERSION } from '../../protocol/messages';
import type { HandlerSpec } from '../job';
import { memoryReport } from '../memory-report';

/** `env`: the backend report plus live tfjs memory counters (the status bar polls it). */
export const envHandler: HandlerSpec<'env'> = {
  gpu: false,
  async run(_params, job) {
    const nav = typeof navigator === 'undefined' ? null : navigator;
    return {
      protocolVersion: PROTOCOL_VERSION,
      backend: job.state.backend,
      memory: memoryReport(),
      tfjsVersion: tf.version.tfjs,
      userAgent: nav?.userAgent ?? `node ${typeof process === 'undefined' ? '' : process.version}`,
      hardwareConcurrency: nav?.hardwareConcurrency ?? 1,
    };
  },
};
