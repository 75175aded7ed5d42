/** Options of the OTLP/JSON decoder. */

/** A metric the decoder skipped because this project does not carry its kind. */
export interface UnsupportedMetric {
  /** The metric name. */
  metric: string;
  /** The OTLP data kind: `exponentialHistogram`, `summary`, or `none` when the metric had no data. */
  kind: string;
  /** How many data points were skipped. */
  points: number;
}

/** What the caller wants to hear about while decoding. */
export interface DecodeOptions {
  /** Called once per skipped metric (exponential histograms, summaries, empty metrics). */
  onUnsupported?(skipped: UnsupportedMetric): void;
}
