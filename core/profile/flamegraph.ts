/**
 * A self-contained interactive flame graph page (inline CSS and script, no
 * network): click to zoom, Reset, a tooltip with name/value/percent, and a
 * search box that highlights matching frames. The tree is embedded as JSON.
 */
import { FLAME_CSS, FLAME_SCRIPT } from './flamegraph-page';
import { flameTree } from './flamegraph-tree';
import type { Profile } from './types';

/** Options of {@link flameGraphHtml}. */
export interface FlameGraphOptions {
  /** Page and chart title. */
  title: string;
  /** Which of the profile's values to draw. Default 0. */
  valueIndex?: number;
  /**
   * Unit of the values. Default: the sample type's unit. `bytes` and
   * `nanoseconds` are shown scaled (KiB, ms...); `count` as the sample
   * type's name (`5 samples`).
   */
  unit?: string;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON that is safe inside a `<script>` element: `<` is written `\u003c`, so
 * no `</script>` or `<!--` can end or change the element.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The flame graph of `profile` as one HTML page. */
export function flameGraphHtml(profile: Profile, options: FlameGraphOptions): string {
  const valueIndex = options.valueIndex ?? 0;
  const unit = options.unit ?? profile.sampleTypes[valueIndex]?.unit ?? '';
  const data = { root: flameTree(profile, valueIndex), unit, type: profile.sampleTypes[valueIndex]?.type ?? '' };
  const title = escapeHtml(options.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${FLAME_CSS}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<button id="reset" type="button">Reset zoom</button>
<input id="search" type="search" placeholder="Search (regular expression)" size="32" aria-label="Search frames">
<span id="matched"></span>
<span id="status"></span>
</header>
<div id="chart" role="img" aria-label="Flame graph"></div>
<div id="tooltip"></div>
<script type="application/json" id="flame-data">${scriptSafeJson(data)}</script>
<script>${FLAME_SCRIPT}</script>
</body>
</html>
`;
}
