/**
 * Alert output templates: `%{attribute}` fields replaced by the event's
 * attribute values, escaped so that a hostile value (a file name with a
 * newline, an ANSI escape) cannot forge or garble the alert text.
 */
import type { AttributeValue, Attributes } from '../../core/signals';

/** Shown for a field the event does not have (as Falco does). */
export const MISSING_FIELD = '<NA>';
/** Longest rendered value of one field; longer ones are cut and end in `...`. */
export const MAX_FIELD_LENGTH = 1024;

const FIELD = /%\{([^{}\s]+)\}/g;

/** A parsed template: literal text and field names, alternating. */
export interface OutputTemplate {
  readonly source: string;
  /** `texts.length === fields.length + 1`. */
  readonly texts: readonly string[];
  readonly fields: readonly string[];
}

/** Parses a template once. */
export function parseTemplate(source: string): OutputTemplate {
  const texts: string[] = [];
  const fields: string[] = [];
  let last = 0;
  for (const m of source.matchAll(FIELD)) {
    texts.push(source.slice(last, m.index));
    fields.push(m[1]);
    last = m.index + m[0].length;
  }
  texts.push(source.slice(last));
  return { source, texts, fields };
}

/**
 * Escapes control characters (`\n`, `\t`, `\x1b`, ...) and backslashes in a
 * value, so the rendered output stays one line of plain text.
 */
export function escapeValue(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0) || code === 0x2028 || code === 0x2029) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

function valueText(value: AttributeValue): string {
  if (Array.isArray(value)) return value.map(valueText).join(',');
  if (typeof value === 'object' && value !== null) return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

/** Renders a template over attributes. */
export function renderTemplate(template: OutputTemplate, attributes: Attributes): string {
  let out = template.texts[0];
  for (let i = 0; i < template.fields.length; i++) {
    const field = template.fields[i];
    const value = attributes[field];
    let text = value === undefined || value === null ? MISSING_FIELD : escapeValue(valueText(value));
    if (text.length > MAX_FIELD_LENGTH) text = `${text.slice(0, MAX_FIELD_LENGTH - 3)}...`;
    out += text + template.texts[i + 1];
  }
  return out;
}
