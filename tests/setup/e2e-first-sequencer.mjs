import Sequencer from '@jest/test-sequencer';

/**
 * Starts the end-to-end files first. Each runs a whole local stack and spends most of its time waiting out
 * modelled time (receipt windows, resend backoff), so started first they overlap with the many short unit
 * and integration files on the other workers instead of running alone at the end. Within each group
 * Jest's own order stands (failed first, then slowest first by the last run's timings, else by size).
 */
export default class E2eFirstSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const isE2e = (test) => /[\\/]tests[\\/]e2e[\\/]/.test(test.path);
    return [...sorted.filter(isE2e), ...sorted.filter((test) => !isE2e(test))];
  }
}
