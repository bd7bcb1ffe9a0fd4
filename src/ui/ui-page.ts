// The live page of `socklab ui`: one HTML document with its style and script inline (nothing is
// fetched; it works offline). It listens to /api/events (server-sent events) and draws the three
// hosts, each direction's model and scenario step (each client's path, in a lab of several),
// counters per protocol (and client), and a moving strip of the newest frames coloured by fate,
// UDP and TCP side by side; a hover shows a frame's record.
// Controls change the link (netem words or a profile) and start the compare experiment.
import type { Counter } from '../link/control/relay-stats.ts';
import { escapeXml } from '../report/svg-chart.ts';

/** Colour-blind safe (Okabe–Ito), one per fate, with a letter for the terminal view. */
export const FATE_STYLE: Record<string, { color: string; letter: string; label: string }> = {
  forwarded: { color: '#999999', letter: '.', label: 'forwarded' },
  lost: { color: '#D55E00', letter: 'x', label: 'lost' },
  duplicated: { color: '#E69F00', letter: 'd', label: 'duplicated' },
  reordered: { color: '#56B4E9', letter: 'r', label: 'reordered' },
  corrupted: { color: '#CC79A7', letter: 'c', label: 'corrupted' },
  'queue-drop': { color: '#000000', letter: 'q', label: 'queue full' },
  outage: { color: '#0072B2', letter: 'o', label: 'outage' },
  forged: { color: '#009E73', letter: 'f', label: 'forged' },
};

/** The relay's counters as people name them, in the order the tables show them (the legend's words). */
export const COUNTER_LABELS: Record<Counter, string> = {
  received: 'received',
  forwarded: 'forwarded',
  droppedLoss: FATE_STYLE.lost!.label,
  duplicated: FATE_STYLE.duplicated!.label,
  reordered: FATE_STYLE.reordered!.label,
  corrupted: FATE_STYLE.corrupted!.label,
  droppedQueue: FATE_STYLE['queue-drop']!.label,
  droppedOutage: FATE_STYLE.outage!.label,
  droppedForged: FATE_STYLE.forged!.label,
};

const STYLE = `body{font-family:sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 8px}.hosts{display:flex;gap:12px;align-items:center;margin:8px 0}
.host{border:2px solid #444;border-radius:6px;padding:6px 12px;min-width:140px;text-align:center}
.host.link{border-style:dashed}.arrow{font-size:20px}
.dir{margin:6px 0}.dir b{display:inline-block;width:210px}
table{border-collapse:collapse;font-size:13px}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left}
.strip svg{display:block;margin:2px 0}.legend span{display:inline-block;margin-right:12px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
#detail{font-family:monospace;min-height:1.4em;background:#f6f8fa;padding:4px}
.controls{margin:12px 0;padding:8px;border:1px solid #ddd}.controls input{width:280px}
.pass{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;font-weight:bold}.skip{color:#777}
#error{color:#cf222e}`;

// The browser side: small, no framework. Kept as plain text with the page.
const SCRIPT = `
const FATES = __FATES__;
const ROWS = [['udp','up'],['udp','down'],['tcp','up'],['tcp','down']];
const KEEP = 120;
const frames = {udp:{up:[],down:[]}, tcp:{up:[],down:[]}};
const $ = (id) => document.getElementById(id);
function drawStrip(proto, dir) {
  const list = frames[proto][dir];
  const svg = $('strip-' + proto + '-' + dir);
  let out = '';
  const x0 = 120 + (KEEP - list.length) * 8;
  list.forEach((f, i) => {
    out += '<rect class="frame fate-' + f.fate + '" data-n="' + f.n + '" x="' + (x0 + i * 8) + '" y="2" width="7" height="16" fill="' + FATES[f.fate].color + '"><title>' + describe(f) + '</title></rect>';
  });
  svg.innerHTML = '<text x="0" y="14" font-size="12">' + proto.toUpperCase() + ' ' + (dir === 'up' ? 'client → server' : 'server → client') + '</text>' + out;
}
function describe(f) {
  return '#' + f.n + (f.client && f.client !== 'client' ? ' ' + f.client : '') + ' ' + f.proto.toUpperCase() + ' ' + f.dir + ' ' + f.sport + '→' + f.dport + ', ' + f.len + ' bytes' + (f.seq >= 0 ? ', seq ' + f.seq : '') + ': ' + FATES[f.fate].label + (f.delayMs ? ', delay ' + f.delayMs.toFixed(1) + ' ms' : '');
}
const all = new Map();
document.addEventListener('mouseover', (e) => {
  const n = e.target && e.target.getAttribute && e.target.getAttribute('data-n');
  if (n && all.has(Number(n))) $('detail').textContent = describe(all.get(Number(n)));
});
const COLUMNS = __COLUMNS__;
function counters(stats) {
  const protos = ['udp','tcp','icmp','arp','nd','other'];
  const cols = Object.keys(COLUMNS);
  // Several clients: a row per client, direction and protocol (ids c-CLIENT-DIR-PROTO-COUNTER).
  const paths = stats.clients ? Object.entries(stats.clients) : [['', stats]];
  let h = '<tr>' + (stats.clients ? '<th>client</th>' : '') + '<th>direction</th><th>protocol</th>' + cols.map((c) => '<th>' + COLUMNS[c] + '</th>').join('') + '</tr>';
  for (const [client, path] of paths) for (const dir of ['up','down']) for (const p of protos) {
    const c = path[dir].byProtocol[p];
    if (!c.received) continue;
    const id = 'c-' + (client ? client + '-' : '') + dir + '-' + p + '-';
    h += '<tr>' + (client ? '<td>' + client + '</td>' : '') + '<td>' + dir + '</td><td>' + p + '</td>' + cols.map((k) => '<td id="' + id + k + '">' + c[k] + '</td>').join('') + '</tr>';
  }
  $('counters').innerHTML = h;
}
function scenarioText(s) {
  return 'scenario ' + s.name + ': step ' + s.step + '/' + s.steps + ' (' + s.text + ')' + (s.next ? ', next: ' + s.next.text + ' in ' + (s.next.inMs / 1000).toFixed(1) + ' s' : '');
}
function drawPaths(paths) {
  if (!paths) return;
  // lab0: client .1, clientK .(K+1) (the server is .2).
  const last = (c) => c === 'client' ? 1 : Number(c.slice(6)) + 1;
  $('clients').textContent = paths.map((p) => p.client).join(', ');
  $('client-addresses').textContent = '198.19.0.' + paths.map((p) => last(p.client)).join(', .');
  $('paths').innerHTML = (paths || []).map((p) => '<div class="dir" id="path-' + p.client + '"><b>' + p.client + ':</b> up: ' + p.up + '; down: ' + p.down + (p.scenario ? '; ' + scenarioText(p.scenario) : '') + '</div>').join('');
}
const events = new EventSource('/api/events');
let feedProblem = false;
events.addEventListener('snapshot', (e) => {
  const s = JSON.parse(e.data);
  $('project').textContent = s.project + ' (' + s.backend + ', engine ' + s.engine + ')';
  $('model-up').textContent = s.model.up;
  $('model-down').textContent = s.model.down;
  $('seed').textContent = s.model.seed;
  $('scenario').textContent = s.scenario ? scenarioText(s.scenario) : 'no scenario';
  drawPaths(s.paths);
  counters(s.stats);
  for (const f of s.frames) {
    if (f.proto !== 'udp' && f.proto !== 'tcp') continue;
    const list = frames[f.proto][f.dir];
    list.push(f);
    all.set(f.n, f);
    if (list.length > KEEP) all.delete(list.shift().n);
  }
  for (const [p, d] of ROWS) drawStrip(p, d);
  $('skipped').textContent = s.skipped ? s.skipped + ' frames not drawn (too many to show)' : '';
  // A feed problem ends with the next state; an answer to the user's own request stays until
  // their next one (clearing it here wiped a bad spec's message within a fraction of a second).
  if (feedProblem) { $('error').textContent = ''; $('feed').textContent = ''; feedProblem = false; }
});
events.addEventListener('compare', (e) => {
  const c = JSON.parse(e.data);
  if (c.state === 'running') { $('compare-status').textContent = 'running compare…'; $('verdicts').innerHTML = ''; return; }
  if (c.state === 'failed') { $('compare-status').textContent = 'compare failed: ' + c.error; return; }
  $('compare-status').textContent = 'compare: UDP ' + c.udp.received + ' of ' + c.udp.sent + ' back, TCP ' + c.tcp.received + ' of ' + c.tcp.sent + (c.tcp.intact ? ' intact' : ' NOT intact');
  $('verdicts').innerHTML = c.verdicts.map((v) => '<li><span class="' + v.status + '">' + (v.status === 'skip' ? 'n/a' : v.status.toUpperCase()) + '</span> ' + v.name + ': ' + v.reason + '</li>').join('');
});
// The link cannot be read: say so where the lab's name would be, and why, instead of "connecting…".
events.addEventListener('problem', (e) => {
  const p = JSON.parse(e.data);
  if ($('project').textContent === 'connecting…') $('project').textContent = 'the link cannot be read';
  $('feed').textContent = p.error + (p.retry ? ' (' + p.retry + ')' : '');
  feedProblem = true;
});
events.onerror = () => { $('feed').textContent = 'the page lost socklab ui (is it still running?); reconnecting'; feedProblem = true; };
async function post(path, body) {
  const r = await fetch(path, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)});
  const j = await r.json();
  $('error').textContent = r.ok ? '' : j.error;
  return j;
}
$('apply').addEventListener('click', () => {
  const body = {};
  for (const k of ['impair','up','down']) { const v = $('in-' + k).value.trim(); if (v) body[k] = v; }
  const p = $('in-profile').value; if (p) body.profile = p;
  post('/api/impair', body);
});
$('run-compare').addEventListener('click', () => post('/api/compare', {count: Number($('in-count').value) || 100}));
`;

export function renderUiPage(profiles: string[]): string {
  const legend = Object.values(FATE_STYLE)
    .map((f) => `<span><i style="background:${f.color}"></i>${escapeXml(f.label)}</span>`)
    .join('');
  const strips = ['udp', 'tcp']
    .flatMap((p) =>
      ['up', 'down'].map(
        (d) => `<svg id="strip-${p}-${d}" width="1100" height="20" role="img" aria-label="${p} ${d}"></svg>`,
      ),
    )
    .join('');
  const options = ['', ...profiles]
    .map((p) => `<option value="${escapeXml(p)}">${p ? escapeXml(p) : '(profile)'}</option>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>socklab live</title><style>${STYLE}</style></head>
<body>
<h1>socklab live: <span id="project">connecting…</span></h1>
<div id="feed" class="fail" role="status"></div>
<div class="hosts"><div class="host"><span id="clients">client</span><br><span id="client-addresses">198.19.0.1</span></div><span class="arrow">⇄</span><div class="host link">link (linkd)<br>seed <span id="seed">-</span></div><span class="arrow">⇄</span><div class="host">server<br>198.19.0.2</div></div>
<div class="dir"><b>up (client → server):</b> <span id="model-up">-</span></div>
<div class="dir"><b>down (server → client):</b> <span id="model-down">-</span></div>
<div class="dir" id="scenario">-</div>
<div id="paths"></div>
<h2>newest frames</h2>
<div class="legend">${legend}</div>
<div class="strip">${strips}</div>
<div id="detail">hover a frame to see its record</div>
<div id="skipped"></div>
<h2>counters</h2>
<table id="counters"></table>
<div class="controls">
<div>both: <input id="in-impair" placeholder="delay 20ms loss 10%"> up: <input id="in-up" placeholder="(replaces fields)"> down: <input id="in-down"></div>
<div><select id="in-profile">${options}</select> <button id="apply">apply to the link</button></div>
<div>compare: <input id="in-count" value="100" style="width:60px"> messages <button id="run-compare">run compare</button> <span id="compare-status"></span></div>
<div id="error"></div>
</div>
<ul id="verdicts"></ul>
<script>${SCRIPT.replace('__FATES__', JSON.stringify(FATE_STYLE)).replace('__COLUMNS__', JSON.stringify(COUNTER_LABELS))}</script>
</body></html>
`;
}
