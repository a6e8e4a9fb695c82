/** The human-readable reference at `/docs`: the OpenAPI document rendered as plain HTML, plus goim's routes. */

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
const code = (s: string) => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');
const pre = (value: unknown) => `<pre>${esc(JSON.stringify(value, null, 2))}</pre>`;

interface Media {
  schema: unknown;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required: boolean; description?: string; schema: unknown; example?: unknown }[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
}

/** A media type's examples as `<pre>` blocks (a string body is shown as is). */
function examplesOf(media: Media | undefined): string {
  if (!media) return '';
  const all = media.examples ? Object.values(media.examples).map((e) => e.value) : media.example !== undefined ? [media.example] : [];
  return all.map((v) => (typeof v === 'string' ? `<pre>${esc(v)}</pre>` : pre(v))).join('');
}

/** A request line with the example parameters filled in: `POST /goim/push/mids?operation=1000&mids=alice`. */
function exampleTarget(path: string, op: Operation): string {
  let target = path;
  const query = new URLSearchParams();
  for (const p of op.parameters ?? []) {
    if (p.example === undefined) continue;
    if (p.in === 'path') target = target.replace(`{${p.name}}`, encodeURIComponent(String(p.example)));
    if (p.in === 'query') for (const v of Array.isArray(p.example) ? p.example : [p.example]) query.append(p.name, String(v));
  }
  return query.size ? `${target}?${query}` : target;
}

/** Renders the reference page from an OpenAPI document: every route with its parameters, examples and answers. */
export function referencePage(doc: { info: { title: string; version: string; description: string }; paths: Record<string, Record<string, Operation>> }): string {
  const section = (goim: boolean) =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => (op.tags ?? []).includes('goim') === goim)
        .map(([method, op]) => {
          const params = (op.parameters ?? [])
            .map(
              (p) =>
                `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td>${p.example === undefined ? '' : `<code>${esc(JSON.stringify(p.example))}</code>`}</td><td>${code(p.description ?? '')}</td></tr>`,
            )
            .join('');
          const responses = Object.entries(op.responses)
            .map(([status, r]) => `<li><b>${esc(status)}</b> ${code(r.description)}${examplesOf(Object.values(r.content ?? {})[0])}</li>`)
            .join('');
          const [bodyType, body] = Object.entries(op.requestBody?.content ?? {})[0] ?? [];
          const schema = body?.schema && bodyType === 'application/json' ? `<details><summary>request schema</summary>${pre(body.schema)}</details>` : '';
          return `<section><h3><span class="m">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code> — ${esc(op.summary ?? '')}</h3>
${op.description ? `<p>${code(op.description)}</p>` : ''}
${params ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>example</th><th></th></tr>${params}</table>` : ''}
<p>Example: <code>${esc(method.toUpperCase())} ${esc(exampleTarget(path, op))}</code></p>
${body ? `<div>request body${examplesOf(body)}</div>${schema}` : ''}
<ul>${responses}</ul></section>`;
        }),
    );
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(doc.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}code,pre{font-family:ui-monospace,monospace}
pre{background:#f5f5f5;padding:.75rem;overflow:auto;margin:.3rem 0}section{border-top:1px solid #ddd;padding:.5rem 0}.m{color:#0a5}table{border-collapse:collapse}td,th{padding:.2rem .6rem;text-align:left;border-bottom:1px solid #eee}</style></head>
<body><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1><p>${code(doc.info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Every request needs <code>Authorization: Bearer &lt;API key&gt;</code>.</p>
<h2>JSON API</h2>${section(false).join('\n')}
<h2>goim-compatible routes</h2><p>HTTP 200 with <code>{"code", "message", "data"}</code>; code 0 = OK, -400 bad request, -500 server error (401, 429 and 503 keep their HTTP status, codes -401, -429 and -503; an unknown route is HTTP 404, a wrong method 405 with <code>Allow</code>). List parameters repeat their name; push routes take the raw request body.</p>
${section(true).join('\n')}</body></html>`;
}
