'use strict';
/**
 * `npm run bench`: runs the benchmarks (from the compiled dist/ tree; run
 * `npm run build` first). Arguments go to the pipeline benchmark; see
 * bench/README.md.
 */
require('./pipeline/run').main();
