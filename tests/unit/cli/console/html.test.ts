import { escapeHtml, html, joinHtml, toDocument } from '../../../../cli/console/html';

describe('console html', () => {
  it('escapes the five characters that matter in text and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('escapes every interpolated value, in text and in attributes', () => {
    // Prepare
    const payload = '"><script>alert(1)</script><img src=x onerror=alert(2)>';

    // Act
    const markup = toDocument(html`<p title="${payload}">${payload}</p>`);

    // Assess
    expect(markup).not.toContain('<script>');
    expect(markup).not.toContain('<img');
    expect(markup).toContain('title="&quot;&gt;&lt;script&gt;');
  });

  it('keeps markup made by html as markup, and renders lists and absent values', () => {
    const inner = html`<b>${'<i>'}</b>`;

    expect(toDocument(html`<p>${inner}${[html`<br />`, 'a&b']}${undefined}${null}${false}</p>`)).toBe(
      '<!doctype html>\n<p><b>&lt;i&gt;</b><br />a&amp;b</p>',
    );
  });

  it('does not take an object that merely looks like markup as markup', () => {
    const forged = { markup: '<script>alert(1)</script>' } as unknown as string;

    expect(toDocument(html`${forged}`)).not.toContain('<script>');
  });

  it('joins fragments with an escaped separator', () => {
    expect(toDocument(joinHtml(['a', html`<b>b</b>`], ' < '))).toBe('<!doctype html>\na &lt; <b>b</b>');
  });
});
