/** What a load run reports, whichever client drove it (wrk for HTTP, ws-load for WebSockets). */
export interface LoadResult {
  /** Responses per second inside the measuring window. */
  rate: number;
  count: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

/** Records latencies into a fixed buffer (bounded memory however long the run). */
export function createLatencies(max = 2_000_000) {
  const buf = new Float64Array(max);
  let n = 0;
  return {
    add(ms: number) { if (n < max) buf[n++] = ms; },
    percentile(p: number): number {
      if (n === 0) return NaN;
      const s = buf.subarray(0, n).sort();
      return s[Math.min(n - 1, Math.floor((p / 100) * n))]!;
    },
  };
}
