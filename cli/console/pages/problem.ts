import { html } from '../html';
import { href, type Page, type PageChrome } from './layout';

/** A page for something that went wrong or was not found: what happened, and what to do next. */
export function problemPage(
  chrome: PageChrome,
  problem: { readonly title: string; readonly message: string; readonly hint?: string },
): Page {
  return {
    title: problem.title,
    body: html`<h1>${problem.title}</h1>
      <p class="error" role="alert">${problem.message}</p>
      ${problem.hint ? html`<p>${problem.hint}</p>` : ''}
      <p><a href="${href(chrome, '/')}">Back to search</a></p>`,
  };
}
