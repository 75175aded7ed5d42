/**
 * Lets `${env:NAME}` stand unquoted inside YAML flow collections
 * (`{ endpoint: ${env:OTLP_ENDPOINT} }`), where `{` and `}` would otherwise
 * be flow indicators. Before parsing, the braces of each reference are
 * swapped for private-use characters of the same length, so offsets (and so
 * lines and columns) do not move; after parsing they are swapped back.
 */

const OPEN = '\uE000\uE001';
const CLOSE = '\uE002';
const PROTECTED = /\uE000\uE001|\uE002/g;

/** Replaces the `${` and `}` of every reference on a line; `$$` is left alone. */
export function protectReferences(text: string): string {
  if (!text.includes('${')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '$' && text[i + 1] === '$') {
      out += '$$';
      i += 2;
    } else if (text[i] === '$' && text[i + 1] === '{') {
      const close = text.indexOf('}', i + 2);
      const eol = text.indexOf('\n', i + 2);
      if (close < 0 || (eol >= 0 && eol < close)) {
        out += '${';
        i += 2;
      } else {
        out += OPEN + text.slice(i + 2, close) + CLOSE;
        i = close + 1;
      }
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}

/** Undoes {@link protectReferences} in a parsed string. */
export function restoreReferences(text: string): string {
  return text.replace(PROTECTED, (m) => (m === CLOSE ? '}' : '${'));
}
