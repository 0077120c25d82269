// Timing helpers shared by the benchmarks.

/** The median of some numbers. */
export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The median milliseconds of `runs` calls of `fn`, after one warm-up call. */
export function timeMs(fn, runs = 15) {
  fn();
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}
