/** The human-readable reference at `/docs`: the OpenAPI document rendered as plain HTML, plus goim's routes. */

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
const code = (s: string) => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');
const pre = (value: unknown) => `<pre>${esc(JSON.stringify(value, null, 2))}</pre>`;

/** goim-compatible routes: same envelope `{code, message, data}` and parameters as goim's logic. */
const GOIM_ROUTES: [string, string, string][] = [
  ['POST', '/goim/push/keys?operation=&keys=&keys=', 'Raw body to these connection keys.'],
  ['POST', '/goim/push/mids?operation=&mids=&mids=', 'Raw body to every connection of these users.'],
  ['POST', '/goim/push/room?operation=&type=&room=', 'Raw body to the room `type:room` (goim `type://room`).'],
  ['POST', '/goim/push/all?operation=&speed=', 'Raw body to everyone, `speed` connections per second.'],
  ['GET', '/goim/online/top?type=&limit=', '`[{room_id, count}]`, largest first.'],
  ['GET', '/goim/online/room?type=&rooms=&rooms=', '`{room: count}`.'],
  ['GET', '/goim/online/total', '`{ip_count, conn_count}` (ip_count counts distinct users).'],
  ['GET', '/goim/nodes/weighted?platform=', 'Gateway address, ports, heartbeat and backoff.'],
  ['GET', '/goim/nodes/instances', 'Gateway instances.'],
];

interface Operation {
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; required: boolean; description?: string; schema: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

/** Renders the reference page from an OpenAPI document. */
export function referencePage(doc: { info: { title: string; version: string; description: string }; paths: Record<string, Record<string, Operation>> }): string {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const params = (op.parameters ?? [])
        .map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td>${code(p.description ?? '')}</td></tr>`)
        .join('');
      const responses = Object.entries(op.responses)
        .map(([status, r]) => `<li><b>${esc(status)}</b> ${code(r.description)}</li>`)
        .join('');
      const body = op.requestBody?.content['application/json']?.schema;
      const ok = Object.values(op.responses)[0]?.content?.['application/json']?.schema;
      return `<section><h3><span class="m">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code> — ${esc(op.summary ?? '')}</h3>
${op.description ? `<p>${code(op.description)}</p>` : ''}
${params ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th></th></tr>${params}</table>` : ''}
${body ? `<details><summary>request body</summary>${pre(body)}</details>` : ''}
${ok ? `<details><summary>response</summary>${pre(ok)}</details>` : ''}
<ul>${responses}</ul></section>`;
    }),
  );
  const goim = GOIM_ROUTES.map(([m, p, d]) => `<tr><td>${m}</td><td><code>${esc(p)}</code></td><td>${code(d)}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(doc.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}code,pre{font-family:ui-monospace,monospace}
pre{background:#f5f5f5;padding:.75rem;overflow:auto}section{border-top:1px solid #ddd;padding:.5rem 0}.m{color:#0a5}table{border-collapse:collapse}td,th{padding:.2rem .6rem;text-align:left;border-bottom:1px solid #eee}</style></head>
<body><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1><p>${code(doc.info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<h2>JSON API</h2>${ops.join('\n')}
<h2>goim-compatible routes</h2><p>HTTP 200 with <code>{"code", "message", "data"}</code>; code 0 = OK, -400 bad request, -500 server error (401 and 429 keep their HTTP status, codes -401 and -429). Push routes take the raw request body.</p>
<table><tr><th></th><th>route</th><th></th></tr>${goim}</table></body></html>`;
}
