/**
 * HTML built from templates that escape every interpolated value. The console renders data it did not
 * write (Sinch reason descriptions, delivery ids chosen by product services, error messages), so a value
 * becomes markup only by passing through {@link html} or {@link escapeHtml}; there is no other way to
 * make a {@link SafeHtml}.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for an HTML text node or a quoted attribute value.
 *
 * @example
 * escapeHtml('<img src=x onerror="alert(1)">'); // '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const SAFE = Symbol('SafeHtml');

/** Markup that is already escaped. Only {@link html} and {@link joinHtml} make one. */
export interface SafeHtml {
  readonly [SAFE]: true;
  readonly markup: string;
}

function safe(markup: string): SafeHtml {
  return { [SAFE]: true, markup };
}

function isSafe(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && SAFE in value;
}

/** What may be interpolated: text (escaped), markup, and lists of them. Absent values render nothing. */
export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (isSafe(value)) return value.markup;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * A template literal tag: the literal parts are markup, every `${value}` is escaped unless it is
 * already {@link SafeHtml}. Attribute values must be written in double quotes.
 *
 * @example
 * html`<td title="${reason}">${reason}</td>`;
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let markup = strings[0]!;
  values.forEach((value, i) => {
    markup += render(value) + strings[i + 1]!;
  });
  return safe(markup);
}

/** Joins fragments with a separator (text, escaped). */
export function joinHtml(values: readonly HtmlValue[], separator: string): SafeHtml {
  return safe(values.map(render).join(escapeHtml(separator)));
}

/** The document as a string, for the response body. */
export function toDocument(page: SafeHtml): string {
  return `<!doctype html>\n${page.markup}`;
}
