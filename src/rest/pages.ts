// Server-rendered pages of the Image Generator: login, dashboard, library and asset. Plain HTML
// with every value escaped; a few lines of script call the JSON API.

const esc = (v: unknown) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const PAGES = new Set(['/library', '/asset/{asset_id}', '/dashboard', '/login']);
export const isPage = (routePath: string) => PAGES.has(routePath);

const STYLE = `body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}header{background:#1d2330;color:#fff;padding:.8rem 1.5rem;display:flex;gap:1.5rem;align-items:center}
header a{color:#cfe3ff;text-decoration:none}main{padding:1.5rem;max-width:1100px;margin:auto}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:1rem}
.card{background:#fff;border-radius:8px;padding:.5rem;box-shadow:0 1px 3px #0002}.card img{width:100%;border-radius:6px;display:block}.muted{color:#667}form.inline{display:flex;gap:.5rem;align-items:end;flex-wrap:wrap}
label{display:flex;flex-direction:column;font-size:.85rem;gap:.2rem}input,select,textarea,button{font:inherit;padding:.4rem .6rem}button{cursor:pointer}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}.error{color:#b00020}`;

function layout(title: string, body: string, user?: string) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)} · genhub</title><style>${STYLE}</style></head>
<body><header><strong>genhub</strong>${user ? `<a href="/dashboard">Dashboard</a><a href="/library">Library</a><span class="muted" style="margin-left:auto">${esc(user)}</span><a href="/auth/logout">Log out</a>` : ''}</header><main>${body}</main></body></html>`;
}

/** A path on this site to go to after login: anything else (other hosts, `//`, `/\\`, control characters) is the dashboard. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !/^\/(?![/\\])[^\s\\\u0000-\u001f]*$/.test(next)) return '/dashboard';
  return new URL(next, 'http://x').origin === 'http://x' ? next : '/dashboard';
}

/** JSON that can sit inside a <script> element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

export function login(next: string) {
  const target = safeNext(next);
  return layout('Log in', `<h1>Log in</h1>
<form id="login" class="inline"><label>Username or email<input name="username" autocomplete="username" required></label>
<label>Password<input name="password" type="password" autocomplete="current-password" required></label><button type="submit">Log in</button></form>
<p id="error" class="error" role="alert"></p>
<script>document.getElementById('login').addEventListener('submit', async (e) => { e.preventDefault();
const f = new FormData(e.target); const r = await fetch('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' },
body: JSON.stringify({ username: f.get('username'), password: f.get('password'), next: ${scriptJson(target)} }) });
const b = await r.json(); if (b.success) location.href = b.redirect_url; else document.getElementById('error').textContent = b.message || 'Login failed'; });</script>`);
}

interface AssetView {
  databaseId: number;
  kind: string;
  mimeType: string;
  fileName: string;
  size: number;
  width: number | null;
  height: number | null;
  durationSec: number | null;
  prompt: string | null;
  url: string;
  thumbnailUrl: string | null;
  createdAt: string;
  metadata?: { provider?: string } | null;
  task: { modelId: string } | null;
}

const thumb = (a: AssetView) =>
  a.kind === 'text' ? `<div class="muted">text</div>` : `<img src="${esc(a.thumbnailUrl ?? a.url)}" alt="${esc(a.prompt ?? a.fileName)}" loading="lazy">`;
const card = (a: AssetView) =>
  `<a class="card asset" data-id="${a.databaseId}" href="/asset/${a.databaseId}">${thumb(a)}<div class="muted">${esc(a.kind)} · ${esc(new Date(a.createdAt).toISOString().slice(0, 16).replace('T', ' '))}</div></a>`;

export function dashboard(me: { username: string; credits: { available: number } }, models: { id: string; name: string; supportedEndpoints: string[] }[], recent: AssetView[]) {
  return layout(
    'Dashboard',
    `<h1>Dashboard</h1><p>Credits: <strong id="credits">${esc(me.credits.available)}</strong></p>
<h2>Generate</h2><form id="generate" class="inline" enctype="multipart/form-data">
<label>Model<select name="model">${models.map((m) => `<option value="${esc(m.id)}">${esc(m.name)} (${esc(m.supportedEndpoints.join(', '))})</option>`).join('')}</select></label>
<label>Prompt<input name="prompt" size="40"></label><label>Image<input name="image" type="file" accept="image/*"></label><label>Mask<input name="mask" type="file" accept="image/*"></label>
<button type="submit">Generate</button></form><p id="status" role="status"></p><div id="results" class="grid"></div>
<h2>Recent</h2><div class="grid">${recent.map(card).join('') || '<p class="muted">Nothing yet.</p>'}</div>
<script>document.getElementById('generate').addEventListener('submit', async (e) => { e.preventDefault(); const st = document.getElementById('status'); st.textContent = 'Generating…';
const fd = new FormData(e.target); for (const k of ['image', 'mask']) if (!fd.get(k) || !fd.get(k).size) fd.delete(k);
const r = await fetch('/api/generate', { method: 'POST', body: fd }); const b = await r.json();
if (!r.ok) { st.textContent = b.message || b.error || 'Failed'; return; }
if (!b.results) { st.textContent = 'Still running (' + b.request_id + ')'; return; }
st.textContent = 'Done'; document.getElementById('results').innerHTML = b.results.map((x) => '<a class="card result" href="/asset/' + x.id + '"><img src="' + (x.thumbnail_url || x.url) + '"></a>').join(''); });</script>`,
    me.username,
  );
}

export function library(user: string, assets: AssetView[], total: number, type: string, sort: string) {
  const opt = (v: string, cur: string, label: string) => `<option value="${v}"${v === cur ? ' selected' : ''}>${label}</option>`;
  return layout(
    'Library',
    `<h1>Library</h1><form class="inline" method="get" action="/library">
<label>Type<select name="type">${opt('all', type, 'All')}${opt('image', type, 'Images')}${opt('video', type, 'Videos')}</select></label>
<label>Sort<select name="sort">${opt('newest', sort, 'Newest first')}${opt('oldest', sort, 'Oldest first')}</select></label><button type="submit">Filter</button></form>
<p class="muted"><span id="total">${total}</span> assets</p><div class="grid" id="assets">${assets.map(card).join('') || '<p class="muted">No assets.</p>'}</div>`,
    user,
  );
}

export function asset(user: string, a: AssetView) {
  const preview =
    a.kind === 'video' && a.mimeType.startsWith('video/')
      ? `<video src="${esc(a.url)}" controls style="max-width:100%"></video>`
      : a.kind === 'text'
      ? `<p class="muted">A text result.</p>`
      : `<img src="${esc(a.url)}" alt="${esc(a.prompt ?? a.fileName)}" style="max-width:100%;border-radius:8px">`;
  return layout(
    a.fileName,
    `<h1>${esc(a.fileName)}</h1>${preview}
<dl><dt>Type</dt><dd>${esc(a.kind)} (${esc(a.mimeType)})</dd><dt>Size</dt><dd>${esc(a.size)} bytes</dd>
${a.width ? `<dt>Dimensions</dt><dd>${esc(a.width)} × ${esc(a.height)}</dd>` : ''}${a.durationSec ? `<dt>Duration</dt><dd>${esc(a.durationSec)} s</dd>` : ''}
<dt>Model</dt><dd>${esc(a.task?.modelId ?? '—')}</dd><dt>Made by</dt><dd id="provider">${esc(a.metadata?.provider ?? '—')}</dd><dt>Prompt</dt><dd>${esc(a.prompt ?? '—')}</dd><dt>Created</dt><dd>${esc(a.createdAt)}</dd></dl>
<p><a id="download" href="/asset/${a.databaseId}/download">Download</a> <button id="delete" type="button">Delete</button></p>
<script>document.getElementById('delete').addEventListener('click', async () => { if (!confirm('Delete this asset?')) return;
const r = await fetch('/api/assets/${a.databaseId}', { method: 'DELETE' }); if (r.ok) location.href = '/library'; else alert('Could not delete'); });</script>`,
    user,
  );
}

export function errorPage(status: number, message: string) {
  return layout(`Error ${status}`, `<h1>${status}</h1><p>${esc(message)}</p><p><a href="/library">Back to the library</a></p>`);
}
