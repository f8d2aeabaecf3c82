/**
 * The console's only stylesheet, served from `/t/<token>/console.css` (the CSP allows styles from the
 * console itself and nothing inline). System fonts, relative units and wrapping tables keep it readable
 * at 200 % zoom; `prefers-color-scheme` picks light or dark; focus is always visible for keyboard use.
 */
export const CONSOLE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff;
  --fg: #1b1f24;
  --muted: #57606a;
  --line: #d0d7de;
  --panel: #f6f8fa;
  --link: #0550ae;
  --good: #116329;
  --bad: #a40e26;
  --warn: #7d4e00;
  --focus: #0969da;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117;
    --fg: #e6edf3;
    --muted: #9198a1;
    --line: #3d444d;
    --panel: #151b23;
    --link: #71b7ff;
    --good: #56d364;
    --bad: #ff7b72;
    --warn: #e3b341;
    --focus: #58a6ff;
  }
}
* { box-sizing: border-box; }
html { font-size: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--fg);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible {
  outline: 0.2rem solid var(--focus);
  outline-offset: 0.1rem;
}
.skip { position: absolute; left: -100rem; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: 0.5rem; z-index: 1; }
header, main, footer { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
header { border-bottom: 1px solid var(--line); padding-top: 0.75rem; padding-bottom: 0.75rem; }
header p { margin: 0; color: var(--muted); }
nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; list-style: none; margin: 0.5rem 0 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration: none; color: var(--fg); }
footer { color: var(--muted); border-top: 1px solid var(--line); margin-top: 2rem; padding-top: 0.75rem; font-size: 0.875rem; }
h1 { font-size: 1.5rem; margin: 1rem 0 0.5rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; overflow-wrap: anywhere; }
form { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: flex-end; background: var(--panel); border: 1px solid var(--line); border-radius: 0.4rem; padding: 0.75rem; }
label { display: flex; flex-direction: column; gap: 0.25rem; font-weight: 600; }
label small { font-weight: 400; color: var(--muted); }
input, select, button { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 0.3rem; padding: 0.35rem 0.5rem; }
input[type="search"] { min-width: min(28rem, 100%); }
button { background: var(--link); color: var(--bg); border-color: var(--link); font-weight: 600; cursor: pointer; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); padding: 0.25rem 0; }
th, td { text-align: left; vertical-align: top; padding: 0.4rem 0.6rem; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; font-size: 0.875rem; }
td { overflow-wrap: break-word; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 40rem) {
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: 0.5rem; }
}
ol.timeline { list-style: none; margin: 0; padding: 0; border-left: 0.2rem solid var(--line); }
ol.timeline li { margin: 0 0 0.6rem; padding-left: 0.8rem; }
ol.timeline .when { color: var(--muted); font-size: 0.875rem; }
ol.timeline .detail { margin: 0.1rem 0 0; color: var(--muted); }
ol.timeline li.receipt { margin-left: 1.25rem; }
.good { color: var(--good); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.warn { color: var(--warn); font-weight: 600; }
.notice { border-left: 0.3rem solid var(--warn); background: var(--panel); padding: 0.5rem 0.75rem; }
.error { border-left: 0.3rem solid var(--bad); background: var(--panel); padding: 0.5rem 0.75rem; }
.guidance li { margin-bottom: 0.5rem; }
.guidance .action { display: block; }
`;

/** A small neutral icon, so browsers do not ask for `/favicon.ico` outside the token path. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0969da"/><path d="M4 8.5l2.5 2.5L12 5" stroke="#fff" stroke-width="2" fill="none"/></svg>';
