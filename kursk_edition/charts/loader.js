// The edition's chart loader: the snippet vl-convert appends to its bundle of Vega, Vega-Lite and
// vega-embed (read by kursk_edition/charts/render.py, which fills in the charts' class where the
// selector below has its placeholder). It runs as a module, where `vega` and `vegaEmbed` are the bundle's own
// bindings.
//
// Per chart (div.kursk-vega[data-spec-id], its Vega spec in the script element it names):
// - draws it, one chart at a time, and makes it fit its column (a narrow layout on a phone);
// - accessibility fixes (tests/test_accessibility.py checks them);
// - scenario links: bound params <-> the page's query string, "Copy link to this scenario", and
//   the one line of Python that opens the same scenario in the notebook;
// - downloads: the data as CSV, the drawing as SVG and PNG, all made in the browser.
//
// Hooks the build may emit (all optional; each has a fallback):
// - on the chart div: data-scenario="leverage" (the URL namespace; default: the figure's id
//   less "fig-", else the div's id), data-notebook-call='{"function": "leverage_panel",
//   "args": {"month": {"name": "talks_open", "scale": 1}}}' (no attribute: no Python line),
//   data-columns='{"t": {"label": "Date", "type": "date"}, "cite": {"label": "Source",
//   "type": "source"}, "lane": null}' (null drops a column);
// - once per page: <script type="application/json" id="kursk-sources">{"bibkey": {"title":
//   "...", "url": "https://..."}}</script>, used to write sources in the CSV as titles and URLs.
//
// Every string that comes from the URL or the data goes into the page as text (textContent),
// never as markup.

window.vegaEmbed = vegaEmbed;
window.vega = vega;

const KURSK_CHART_SELECTOR = 'div.__CHART_CLASS__[data-spec-id]';
// Room a chart needs besides its plot width (axes, titles), guessed before the first drawing and
// measured after it.
const KURSK_GUESSED_PADDING = 90;
const KURSK_NOTICE_VALUE_CHARS = 40;

// ---------------------------------------------------------------------------------------------
// Accessibility fixes, applied once a chart is drawn (tests/test_accessibility.py checks them).
function kurskAccessible(el) {
  // Each bound input gets its label text, without the value read-out, as its accessible name.
  el.querySelectorAll('.vega-bind').forEach((bind) => {
    const name = bind.querySelector('.vega-bind-name');
    bind.querySelectorAll('input:not([type=radio]), select').forEach((input) => {
      if (name && !input.hasAttribute('aria-label')) {
        input.setAttribute('aria-label', name.textContent.trim());
      }
    });
  });
  // Vega gives a mark container role "graphics-symbol" with no name when none of its items has a
  // description (an empty layer, say), which axe reports as an image without a text alternative.
  // Hide such containers from assistive technology while they are unnamed; redraws can change
  // that, so check again after each.
  const hideUnnamed = () => el.querySelectorAll('svg g.role-mark').forEach((g) => {
    const unnamed = g.getAttribute('role') === 'graphics-symbol' && !g.getAttribute('aria-label');
    if (unnamed) {
      g.setAttribute('aria-hidden', 'true');
      g.dataset.kurskHidden = 'true';
    } else if (g.dataset.kurskHidden) {
      g.removeAttribute('aria-hidden');
      delete g.dataset.kurskHidden;
    }
  });
  hideUnnamed();
  new MutationObserver(hideUnnamed).observe(el, {
    childList: true, subtree: true, attributes: true, attributeFilter: ['role', 'aria-label'],
  });
}

// ---------------------------------------------------------------------------------------------
// Small DOM helpers: elements with text, never markup.
function kurskEl(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function kurskJsonAttr(el, name) {
  const raw = el.getAttribute(name);
  if (!raw) return null;
  try {
    return JSON.parse(raw);
  } catch (err) {
    console.warn(`${el.id}: ${name} is not JSON`, err);
    return null;
  }
}

function kurskShort(text) {
  const value = String(text);
  return value.length > KURSK_NOTICE_VALUE_CHARS
    ? value.slice(0, KURSK_NOTICE_VALUE_CHARS - 1) + '…' : value;
}

function kurskFormatNumber(value) {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}

// ---------------------------------------------------------------------------------------------
// Scenarios: the chart's bound params, read from and written to the URL.

// The chart's controls: each top-level signal with a binding, with its default and its limits.
function kurskControls(spec) {
  return (spec.signals || []).filter((s) => s.bind && s.bind.input).map((s) => ({
    name: s.name,
    label: (s.bind.name || s.name).trim(),
    input: s.bind.input,
    min: s.bind.min,
    max: s.bind.max,
    step: s.bind.step,
    options: s.bind.options,
    labels: s.bind.labels,
    initial: s.value === undefined ? null : s.value,
  }));
}

// The URL text of a value, and back. Ranges: the number. Selects: the option's label (readable:
// "all", "diplomacy"), else the option itself.
function kurskEncode(control, value) {
  if (control.input === 'range') return kurskFormatNumber(Number(value));
  if (control.options) {
    const i = control.options.findIndex((o) => o === value);
    if (i >= 0 && control.labels && control.labels[i] !== undefined) return String(control.labels[i]);
  }
  return value === null ? '' : String(value);
}

// The valid value nearest to what the URL says, and the reason when it differs.
function kurskDecode(control, text) {
  const label = control.label;
  const shown = kurskShort(text);
  if (control.input === 'range') {
    const trimmed = text.trim();
    const number = trimmed === '' ? NaN : Number(trimmed);
    const fallback = control.initial;
    if (!Number.isFinite(number)) {
      return {value: fallback, note: `The link gives “${label}” as “${shown}”, which is not a `
        + `number; the chart shows the default, ${kurskFormatNumber(fallback)}.`};
    }
    const lo = Number(control.min ?? number), hi = Number(control.max ?? number);
    let value = Math.min(Math.max(number, lo), hi);
    const step = Number(control.step) || 0;
    if (step > 0) value = lo + Math.round((value - lo) / step) * step;
    value = Number(Math.min(value, hi).toPrecision(12));
    if (number < lo || number > hi) {
      return {value, note: `The link gives “${label}” as ${shown}, outside its range `
        + `${kurskFormatNumber(lo)}–${kurskFormatNumber(hi)}; the chart shows `
        + `${kurskFormatNumber(value)}.`};
    }
    if (Math.abs(value - number) > 1e-9) {
      return {value, note: `The link gives “${label}” as ${shown}, between the control's steps `
        + `of ${kurskFormatNumber(step)}; the chart shows ${kurskFormatNumber(value)}.`};
    }
    return {value, note: null};
  }
  const options = control.options || [];
  const labels = control.labels || [];
  let i = labels.findIndex((l) => String(l) === text);
  if (i < 0) i = options.findIndex((o) => (o === null ? '' : String(o)) === text);
  if (i >= 0) return {value: options[i], note: null};
  const fallback = control.initial;
  return {value: fallback, note: `The link gives “${label}” as “${shown}”, which is not one of `
    + `its choices; the chart shows “${kurskEncode(control, fallback)}”.`};
}

function kurskScenarioKey(el) {
  if (el.dataset.scenario) return el.dataset.scenario;
  const figure = el.closest('figure[id]');
  if (figure) return figure.id.replace(/^fig-/, '');
  return el.id;
}

// The URL's scenario for one chart: {values: {param: value}, notes: [text]}. Keys are
// "<chart>.<param>"; other keys (Sphinx's ?highlight=, say) are not ours and are left alone.
function kurskScenarioFromUrl(key, controls) {
  const values = {};
  const notes = [];
  const params = new URLSearchParams(window.location.search);
  const seen = new Set();
  for (const [name, text] of params) {
    if (!name.startsWith(key + '.')) continue;
    const param = name.slice(key.length + 1);
    if (seen.has(param)) continue;
    seen.add(param);
    const control = controls.find((c) => c.name === param);
    if (!control) {
      notes.push(`The link sets “${kurskShort(param)}”, which this chart does not have; it was `
        + 'ignored.');
      continue;
    }
    const decoded = kurskDecode(control, text);
    values[param] = decoded.value;
    if (decoded.note) notes.push(decoded.note);
  }
  return {values, notes};
}

// Every scenario on the page, by chart key: what the URL says once the page is drawn.
const kurskScenarios = new Map();

function kurskScenarioSearch(base) {
  const params = new URLSearchParams(base);
  for (const [key, scenario] of kurskScenarios) {
    for (const name of [...params.keys()]) {
      if (name.startsWith(key + '.')) params.delete(name);
    }
    for (const control of scenario.controls) {
      const value = scenario.view.signal(control.name);
      if (value !== control.initial) params.append(`${key}.${control.name}`, kurskEncode(control, value));
    }
  }
  const text = params.toString();
  return text ? '?' + text : '';
}

let kurskUrlTimer = null;
function kurskWriteUrl() {
  clearTimeout(kurskUrlTimer);
  kurskUrlTimer = setTimeout(() => {
    const url = new URL(window.location.href);
    const search = kurskScenarioSearch(url.search);
    if (search !== url.search) {
      history.replaceState(history.state, '', url.pathname + search + url.hash);
    }
  }, 150);
}

function kurskScenarioLink(el) {
  const url = new URL(window.location.href);
  const figure = el.closest('figure[id]');
  return url.origin + url.pathname + kurskScenarioSearch(url.search)
    + '#' + (figure ? figure.id : el.id);
}

// Keys in the URL that name a chart this page does not have.
function kurskStrayKeys() {
  const stray = new Set();
  for (const name of new URLSearchParams(window.location.search).keys()) {
    const dot = name.indexOf('.');
    if (dot > 0 && !kurskScenarios.has(name.slice(0, dot))) stray.add(name.slice(0, dot));
  }
  return [...stray];
}

function kurskNotebookLine(el, controls, view) {
  const call = kurskJsonAttr(el, 'data-notebook-call');
  if (!call || !call.function) return null;
  const mapping = call.args || {};
  const args = controls.map((control) => {
    const map = mapping[control.name] || {};
    let value = view.signal(control.name);
    if (typeof value === 'number' && map.scale) value = Number((value * map.scale).toPrecision(12));
    let text;
    if (value === null) text = 'None';
    else if (typeof value === 'number') text = kurskFormatNumber(value);
    else if (typeof value === 'boolean') text = value ? 'True' : 'False';
    else text = JSON.stringify(String(value));
    return `${map.name || control.name}=${text}`;
  });
  return `${call.function}(${args.join(', ')})`;
}

async function kurskCopy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (err) {
    // No clipboard API (an insecure origin) or no permission: the old way.
    const area = kurskEl('textarea', {'aria-hidden': 'true', readonly: ''});
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    let done = false;
    try {
      done = document.execCommand('copy');
    } catch (err2) {
      done = false;
    }
    area.remove();
    return done;
  }
}

// ---------------------------------------------------------------------------------------------
// Data as CSV.

// The chart's tables: inline datasets of more than one row, longest first (as the data table
// under the chart orders them), else the one-row ones.
function kurskTables(spec) {
  const tables = (spec.data || []).filter((d) => Array.isArray(d.values) && d.values.length
    && d.values.every((r) => r && typeof r === 'object' && !Array.isArray(r)));
  const longer = tables.filter((d) => d.values.length > 1);
  return (longer.length ? longer : tables).slice().sort((a, b) => b.values.length - a.values.length);
}

// Field -> title, as the chart's tooltips name them ("Claimed by": datum["claimant"]).
function kurskTooltipTitles(spec) {
  const titles = {};
  const text = JSON.stringify(spec);
  const pattern = /\\"([^"\\]{1,60})\\": (?:[a-zA-Z]+\()?(?:isValid\()?datum\[\\\\?"([^"\\]+)\\\\?"\]/g;
  for (const match of text.matchAll(pattern)) {
    if (!(match[2] in titles) && match[1] !== match[2]) titles[match[2]] = match[1];
  }
  return titles;
}

// Fields the chart parses as dates (toDate(datum["t"])).
function kurskDateFields(spec) {
  const fields = new Set();
  for (const match of JSON.stringify(spec).matchAll(/toDate\(datum\[\\"([^"\\]+)\\"\]/g)) {
    fields.add(match[1]);
  }
  return fields;
}

function kurskSources() {
  const node = document.getElementById('kursk-sources');
  if (!node) return {};
  try {
    return JSON.parse(node.textContent) || {};
  } catch (err) {
    console.warn('kursk-sources is not JSON', err);
    return {};
  }
}

function kurskIsoDate(value) {
  const date = new Date(typeof value === 'number' ? value : String(value));
  if (Number.isNaN(date.getTime())) return String(value);
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}

// The columns of a table: [{field, label, type, scale, parts}], from the build's data-columns
// hook, else the tooltips' titles and the spec's date parsing.
function kurskColumns(el, spec, rows) {
  const declared = kurskJsonAttr(el, 'data-columns') || {};
  const titles = kurskTooltipTitles(spec);
  const dates = kurskDateFields(spec);
  const fields = [];
  for (const row of rows) for (const field of Object.keys(row)) if (!fields.includes(field)) fields.push(field);
  const columns = [];
  for (const field of fields.sort()) {
    if (rows.some((r) => r[field] && typeof r[field] === 'object' && !Array.isArray(r[field]))) continue;
    if (field in declared && declared[field] === null) continue;
    const hook = declared[field] || {};
    let type = hook.type;
    if (!type && dates.has(field)) type = 'date';
    if (!type && /^(cite|cites|bibkey|bibkeys)$/.test(field)) type = 'source';
    columns.push({field, label: hook.label || titles[field] || field, type: type || 'value',
      scale: hook.scale, parts: hook.parts});
  }
  return columns;
}

function kurskCsvCell(value) {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' ? kurskFormatNumber(value) : String(value);
  // A spreadsheet would run a cell that starts like a formula.
  if (typeof value !== 'number' && /^[=+@\t\r-]/.test(text) && !/^-?\d/.test(text)) text = "'" + text;
  return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

// The table as rows of cells, header first (tests compare these with the chart's data).
function kurskCsvRows(el, spec, rows) {
  const columns = kurskColumns(el, spec, rows);
  const sources = kurskSources();
  const header = [];
  for (const c of columns) {
    if (c.type === 'source') header.push(c.label === c.field ? 'Source' : c.label, `${c.label === c.field ? 'Source' : c.label} URL`);
    else if (c.type === 'spread') header.push(...(c.parts || []).map((p) => `${c.label}: ${p}`));
    else header.push(c.label);
  }
  const body = rows.map((row) => {
    const cells = [];
    for (const c of columns) {
      const value = row[c.field];
      if (c.type === 'source') {
        const keys = value === undefined || value === null ? [] : [].concat(value);
        cells.push(keys.map((k) => (sources[k] && sources[k].title) || k).join('; '),
          keys.map((k) => (sources[k] && sources[k].url) || '').filter(Boolean).join(' '));
      } else if (c.type === 'date') {
        cells.push(value === null || value === undefined ? '' : kurskIsoDate(value));
      } else if (c.type === 'spread') {
        const items = Array.isArray(value) ? value : [];
        (c.parts || []).forEach((_p, i) => cells.push(c.scale && typeof items[i] === 'number'
          ? Number((items[i] * c.scale).toPrecision(12)) : items[i]));
      } else if (Array.isArray(value)) {
        cells.push(value.join('; '));
      } else if (typeof value === 'number' && c.scale) {
        cells.push(Number((value * c.scale).toPrecision(12)));
      } else {
        cells.push(value);
      }
    }
    return cells;
  });
  return [header, ...body];
}

function kurskCsv(rows) {
  // A byte-order mark, so a spreadsheet reads "km²" as UTF-8.
  return '\ufeff' + rows.map((r) => r.map(kurskCsvCell).join(',')).join('\r\n') + '\r\n';
}

function kurskDownload(name, blobOrUrl) {
  const url = typeof blobOrUrl === 'string' ? blobOrUrl : URL.createObjectURL(blobOrUrl);
  const link = kurskEl('a', {href: url, download: name});
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  if (typeof blobOrUrl !== 'string') setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---------------------------------------------------------------------------------------------
// The tools under a chart: scenario link, Python line, downloads, and what the link corrected.
function kurskTools(el, spec, view, key, controls, notes) {
  const tools = kurskEl('div', {class: 'kursk-chart-tools', id: `${el.id}-tools`});
  const figure = el.closest('figure');
  const number = figure && figure.querySelector('.caption-number');
  const name = number ? number.textContent.trim().replace(/\s+$/, '') : 'this chart';
  tools.setAttribute('role', 'group');
  tools.setAttribute('aria-label', `Share and download ${name}`);

  if (notes.length) {
    const notice = kurskEl('div', {class: 'kursk-scenario-notice', role: 'status'});
    notice.appendChild(kurskEl('p', {}, 'This link asked for a scenario the chart cannot show '
      + 'exactly, so it opened the nearest one:'));
    const list = kurskEl('ul');
    for (const note of notes) list.appendChild(kurskEl('li', {}, note));
    notice.appendChild(list);
    tools.appendChild(notice);
  }

  if (controls.length) {
    const row = kurskEl('div', {class: 'kursk-scenario'});
    const button = kurskEl('button', {type: 'button', class: 'kursk-tool kursk-copy-link'},
      'Copy link to this scenario');
    const status = kurskEl('span', {class: 'kursk-copy-status', role: 'status'});
    button.addEventListener('click', async () => {
      const link = kurskScenarioLink(el);
      const done = await kurskCopy(link);
      status.textContent = done ? 'Link copied.' : `Copy this link: ${link}`;
    });
    row.append(button, status);
    tools.appendChild(row);
    const line = kurskNotebookLine(el, controls, view);
    if (line !== null) {
      const python = kurskEl('p', {class: 'kursk-notebook-line'});
      python.appendChild(kurskEl('span', {}, 'The same scenario in the chapter’s notebook: '));
      const code = kurskEl('code', {class: 'kursk-python'}, line);
      python.appendChild(code);
      tools.appendChild(python);
      const update = () => { code.textContent = kurskNotebookLine(el, controls, view); };
      controls.forEach((c) => view.addSignalListener(c.name, update));
    }
  }

  const downloads = kurskEl('div', {class: 'kursk-downloads'});
  downloads.appendChild(kurskEl('span', {class: 'kursk-downloads-label'}, 'Download: '));
  const tables = kurskTables(spec);
  tables.forEach((table, i) => {
    const label = tables.length > 1 ? `data, table ${i + 1} of ${tables.length} (CSV)` : 'data (CSV)';
    const button = kurskEl('button', {type: 'button', class: 'kursk-tool kursk-csv',
      'data-table': table.name}, label);
    button.addEventListener('click', () => {
      const rows = kurskCsvRows(el, spec, table.values);
      const suffix = tables.length > 1 ? `-table-${i + 1}` : '';
      kurskDownload(`${key}${suffix}.csv`, new Blob([kurskCsv(rows)], {type: 'text/csv;charset=utf-8'}));
    });
    downloads.appendChild(button);
  });
  const svg = kurskEl('button', {type: 'button', class: 'kursk-tool kursk-svg'}, 'chart (SVG)');
  svg.addEventListener('click', async () => {
    const text = await view.toSVG();
    kurskDownload(`${key}.svg`, new Blob([text], {type: 'image/svg+xml'}));
  });
  const png = kurskEl('button', {type: 'button', class: 'kursk-tool kursk-png'}, 'chart (PNG)');
  png.addEventListener('click', async () => {
    kurskDownload(`${key}.png`, await view.toImageURL('png', 2));
  });
  downloads.append(svg, png);
  tools.appendChild(downloads);
  return tools;
}

// ---------------------------------------------------------------------------------------------
// Fitting the column. A single view (a layer) takes the column's width; a row of views (hconcat)
// becomes a column of views; a map keeps its shape. Never wider than the spec asks for.
// The width of a chart's plots (one view, or a row of views with the gaps between them).
// A faceted chart (a column of views of one width) sizes its views by this signal.
function kurskFacetWidth(spec) {
  return (spec.signals || []).find((s) => s.name === 'child_width'
    && typeof s.value === 'number') || null;
}

function kurskPlotWidth(spec) {
  const facet = kurskFacetWidth(spec);
  if (facet) return facet.value;
  const child = (spec.signals || []).find((s) => s.name === 'childWidth');
  if (spec.layout && child) {
    const count = (spec.marks || []).filter((m) => m.type === 'group').length || 1;
    const gap = Number(spec.layout.padding) || 20;
    return count * child.value + (count - 1) * gap;
  }
  return typeof spec.width === 'number' ? spec.width : null;
}

// Whether the chart needs its narrow layout in `available` pixels, given `padding` pixels of
// axes and labels besides its plots, and if so the narrow plot width. A chart that fits keeps
// its drawing exactly (at 1280 px every chart does).
function kurskNarrow(spec, available, padding) {
  const plots = kurskPlotWidth(spec);
  if (plots === null || plots + padding <= available) return null;
  if (kurskFacetWidth(spec)) {
    return {concat: false, facet: true, width: Math.max(120, available - KURSK_GUESSED_PADDING)};
  }
  const concat = spec.layout && !spec.layout.columns
    && (spec.signals || []).some((s) => s.name === 'childWidth');
  if (concat) {
    const child = spec.signals.find((s) => s.name === 'childWidth');
    return {concat: true, child: Math.min(child.value * 1.6, available - KURSK_GUESSED_PADDING)};
  }
  return {concat: false, width: Math.max(120, available - KURSK_GUESSED_PADDING)};
}

// Text measured as the chart draws it (Vega's default font), for wrapping titles and readouts.
const kurskCanvas = document.createElement('canvas').getContext('2d');
function kurskWrapText(text, limit, fontSize, bold) {
  if (text === null || text === undefined) return text;
  const lines = [].concat(text).map(String);
  kurskCanvas.font = `${bold ? 'bold ' : ''}${fontSize || 11}px sans-serif`;
  const out = [];
  for (const line of lines) {
    let current = '';
    for (const word of line.split(/\s+/).filter(Boolean)) {
      const next = current ? current + ' ' + word : word;
      if (current && kurskCanvas.measureText(next).width > limit) {
        out.push(current);
        current = word;
      } else {
        current = next;
      }
    }
    out.push(current);
  }
  return out.length === 1 ? out[0] : out;
}
// For text marks whose words come from an expression (a readout): kurskWrap(text, px, size),
// given to Vega through vega-embed's expressionFunctions option.
const KURSK_EXPRESSIONS = {
  kurskWrap: (text, limit, fontSize) => kurskWrapText(text, limit, fontSize),
};

function kurskWrapTitle(title, limit) {
  if (!title) return title;
  if (typeof title === 'string' || Array.isArray(title)) return kurskWrapText(title, limit, 13, true);
  if (title.text !== undefined && typeof title.text !== 'object') {
    title.text = kurskWrapText(title.text, limit, title.fontSize || 13, true);
  } else if (Array.isArray(title.text)) {
    title.text = kurskWrapText(title.text, limit, title.fontSize || 13, true);
  }
  if (title.subtitle !== undefined && (typeof title.subtitle === 'string' || Array.isArray(title.subtitle))) {
    title.subtitle = kurskWrapText(title.subtitle, limit, title.subtitleFontSize || 11, false);
  }
  return title;
}

// Text marks on a narrow chart: readouts (marks named readout*, or showing a field readout*) leave the drawing for a line of
// HTML under it (kurskReadout); other texts wrap, and those placed at a fixed distance from the
// right edge stay at that distance.
function kurskNarrowMarks(marks, limit, originalWidth, readouts, originalHeight) {
  for (const mark of marks || []) {
    if (mark.title) mark.title = kurskWrapTitle(mark.title, limit);
    if (mark.type === 'group') kurskNarrowMarks(mark.marks, limit, originalWidth, readouts, originalHeight);
    const update = (mark.encode && mark.encode.update) || {};
    // A frame drawn at the chart's size in pixels follows the chart's size.
    if (typeof originalWidth === 'number') {
      for (const channel of ['width', 'x2']) {
        if (update[channel] && update[channel].value === originalWidth) update[channel] = {signal: 'width'};
      }
    }
    if (typeof originalHeight === 'number') {
      for (const channel of ['height', 'y2']) {
        if (update[channel] && update[channel].value === originalHeight) update[channel] = {signal: 'height'};
      }
    }
    if (mark.type !== 'text') continue;
    const field = update.text && update.text.signal
      && (update.text.signal.match(/datum\["([^"]+)"\]/) || [])[1];
    if (update.x && typeof update.x.value === 'number' && typeof originalWidth === 'number'
        && update.x.value > originalWidth / 2) {
      update.x = {signal: `width - ${originalWidth - update.x.value}`};
    }
    const readout = /^readout/.test(mark.name || '') || /^readout/.test(field || '');
    if (readouts && readout && mark.from && mark.from.data && field) {
      readouts.push({data: mark.from.data, field});
      update.text = {value: ''};
      mark.aria = false;
      continue;
    }
    for (const set of ['enter', 'update']) {
      const text = mark.encode && mark.encode[set] && mark.encode[set].text;
      if (!text) continue;
      const size = mark.encode[set].fontSize && mark.encode[set].fontSize.value;
      if (text.signal) text.signal = `kurskWrap(${text.signal}, ${Math.round(limit)}, ${size || 11})`;
      else if (typeof text.value === 'string') text.value = kurskWrapText(text.value, limit, size);
    }
  }
}

// Long labels on a vertical axis wrap to lines, instead of widening the chart.
function kurskNarrowAxes(axes, limit) {
  let wrapped = false;
  for (const axis of axes || []) {
    if (axis.orient !== 'left' && axis.orient !== 'right') continue;
    if (axis.labels === false) continue;
    axis.encode = axis.encode || {};
    axis.encode.labels = axis.encode.labels || {};
    const update = axis.encode.labels.update = axis.encode.labels.update || {};
    const text = update.text && update.text.signal ? update.text.signal : 'datum.label';
    update.text = {signal: `kurskWrap(${text}, ${Math.round(limit)}, 10)`};
    axis.labelLimit = Math.round(limit) + 8;
    wrapped = true;
  }
  return wrapped;
}

// The readouts of a narrow chart, as text under it; a screen reader hears them change.
function kurskReadout(el, view, readouts) {
  if (!readouts.length) return null;
  const box = kurskEl('div', {class: 'kursk-readout', 'aria-live': 'polite'});
  const lines = readouts.map(() => box.appendChild(kurskEl('p')));
  readouts.forEach(({data, field}, i) => {
    const write = () => {
      const rows = view.data(data) || [];
      lines[i].textContent = rows.length ? String(rows[0][field] ?? '') : '';
    };
    write();
    view.addDataListener(data, write);
  });
  return box;
}

function kurskApplyNarrow(spec, narrow, available, readouts) {
  if (!narrow) return;
  // Measured text is a guess at the drawn text: keep a tenth in hand.
  const limit = Math.max(120, (available - 12) * 0.85);
  if (spec.title) {
    spec.title = kurskWrapTitle(spec.title, limit);
    // From the chart's left edge, not centred on a plot narrower than the title.
    if (typeof spec.title === 'object' && !Array.isArray(spec.title)) {
      spec.title.anchor = 'start';
      spec.title.frame = 'bounds';
    }
  }
  const inner = narrow.concat ? Math.max(100, narrow.child) : Math.max(100, narrow.width);
  kurskNarrowMarks(spec.marks, inner, narrow.concat ? undefined : spec.width, readouts,
    narrow.concat ? undefined : spec.height);
  if (kurskNarrowAxes(spec.axes, Math.round(available * 0.3))) {
    // Wrapped labels need rows tall enough for four lines.
    const step = (spec.signals || []).find((s) => s.name === 'y_step');
    if (step && typeof step.value === 'number') step.value = Math.max(step.value, 48);
  }
  // Legends under the plot, one above the other (Vega's legend layout), not side by side.
  spec.config = spec.config || {};
  spec.config.legend = spec.config.legend || {};
  spec.config.legend.layout = {bottom: {direction: 'vertical', anchor: 'start'}};
  (spec.legends || []).forEach((legend) => {
    legend.orient = 'bottom';
    legend.direction = 'vertical';
    delete legend.columns;
    const room = Math.round(limit - 40);
    legend.labelLimit = room + 8;
    legend.encode = legend.encode || {};
    legend.encode.labels = legend.encode.labels || {};
    const labels = legend.encode.labels.update = legend.encode.labels.update || {};
    const text = labels.text && labels.text.signal ? labels.text.signal : 'datum.label';
    labels.text = {signal: `kurskWrap(${text}, ${room}, 10)`};
    delete legend.legendX;
    delete legend.legendY;
  });
  if (narrow.facet) {
    kurskFacetWidth(spec).value = Math.round(narrow.width);
    // Vega sizes a faceted view once unless told to resize: the fit below narrows its views, and
    // the drawing must shrink with them.
    const autosize = typeof spec.autosize === 'object' ? spec.autosize : {type: spec.autosize || 'pad'};
    spec.autosize = {...autosize, resize: true};
    return;
  }
  if (narrow.concat) {
    spec.layout.columns = 1;
    spec.signals.find((s) => s.name === 'childWidth').value = Math.round(narrow.child);
    return;
  }
  const ratio = narrow.width / spec.width;
  if ((spec.projections || []).length && typeof spec.height === 'number') {
    spec.height = Math.round(spec.height * ratio);
  }
  spec.width = Math.round(narrow.width);
}

// After drawing: if the drawing is still wider than its box, take the difference off the plot.
async function kurskFit(el, view, spec, original) {
  for (let i = 0; i < 3; i++) {
    const svg = el.querySelector('svg');
    if (!svg) return;
    const drawn = svg.getBoundingClientRect().width;
    const room = el.clientWidth;
    const concat = (spec.signals || []).some((s) => s.name === 'childWidth');
    const facet = !concat && kurskFacetWidth(spec) !== null;
    const signal = concat ? 'childWidth' : facet ? 'child_width' : 'width';
    let current;
    try {
      current = view.signal(signal);
    } catch (err) {
      return;
    }
    if (typeof current !== 'number') return;
    const limit = concat ? original.childWidth : facet ? original.facetWidth : original.width;
    let target = current;
    if (drawn > room + 0.5) target = current - (drawn - room) - 1;
    else if (current < limit && drawn < room - 40) target = Math.min(limit, current + (room - drawn) - 1);
    target = Math.max(100, Math.floor(target));
    if (target === current) return;
    view.signal(signal, target);
    if (!concat && !facet && (spec.projections || []).length && typeof original.height === 'number') {
      view.height(Math.round(original.height * target / original.width));
    }
    await view.runAsync();
  }
}

// ---------------------------------------------------------------------------------------------
// Skip links: from the top of the page straight to each chart's controls.
function kurskSkipLinks(entries) {
  if (!entries.length) return;
  const nav = kurskEl('nav', {class: 'kursk-skip-links', 'aria-label': 'Chart controls'});
  for (const {el, name} of entries) {
    const link = kurskEl('a', {class: 'kursk-skip-link', href: `#${el.id}-controls`},
      `Skip to the controls of ${name}`);
    link.addEventListener('click', (event) => {
      const target = document.getElementById(`${el.id}-controls`);
      if (!target) return;
      event.preventDefault();
      const input = target.querySelector('input, select');
      (input || target).focus();
      target.scrollIntoView({block: 'center'});
    });
    nav.appendChild(link);
  }
  const skip = document.querySelector('a.skip-link');
  if (skip) skip.after(nav);
  else document.body.prepend(nav);
}

// ---------------------------------------------------------------------------------------------
// One chart at a time, in page order, with a frame between them: drawn together, every chart
// waits for all of them, and a reader waits longer for the first.
async function kurskDraw(el, skipEntries) {
  const source = document.getElementById(el.dataset.specId).textContent;
  const controls = kurskControls(JSON.parse(source));
  const key = kurskScenarioKey(el);
  // The URL's scenario goes into the spec, so the first drawing is already the right one.
  const {values, notes} = kurskScenarioFromUrl(key, controls);
  const prepare = () => {
    const fresh = JSON.parse(source);
    for (const signal of fresh.signals || []) {
      if (signal.name in values) signal.value = values[signal.name];
    }
    return fresh;
  };
  let spec = prepare();
  const childWidth = (spec.signals || []).find((s) => s.name === 'childWidth');
  const facetWidth = kurskFacetWidth(spec);
  const original = {width: spec.width, height: spec.height,
    childWidth: childWidth ? childWidth.value : undefined,
    facetWidth: facetWidth ? facetWidth.value : undefined};
  const options = {actions: false, renderer: 'svg', expressionFunctions: KURSK_EXPRESSIONS};
  // Narrow at once when even the plots do not fit (a phone); otherwise draw as built, and only
  // if that drawing is wider than its box (a column between phone and desktop) draw it again,
  // narrow, with the padding it measured.
  let readouts = [];
  let narrow = kurskNarrow(spec, el.clientWidth, 10);
  kurskApplyNarrow(spec, narrow, el.clientWidth, readouts);
  let result = await vegaEmbed(el, spec, options);
  if (!narrow) {
    const drawn = el.querySelector('svg').getBoundingClientRect().width;
    const plots = kurskPlotWidth(spec);
    if (drawn > el.clientWidth + 0.5 && plots !== null) {
      result.finalize();
      el.replaceChildren();
      spec = prepare();
      readouts = [];
      narrow = kurskNarrow(spec, el.clientWidth, drawn - plots);
      kurskApplyNarrow(spec, narrow, el.clientWidth, readouts);
      result = await vegaEmbed(el, spec, options);
    }
  }
  const view = result.view;
  el.kurskView = view;
  kurskAccessible(el);
  await kurskFit(el, view, spec, original);
  if (controls.length) {
    kurskScenarios.set(key, {controls, view});
    controls.forEach((c) => view.addSignalListener(c.name, kurskWriteUrl));
    const bindings = el.querySelector('.vega-bindings');
    if (bindings) {
      bindings.id = `${el.id}-controls`;
      bindings.setAttribute('tabindex', '-1');
      const figure = el.closest('figure');
      const number = figure && figure.querySelector('.caption-number');
      skipEntries.push({el, name: number ? number.textContent.trim() : 'the chart'});
    }
  }
  const tools = kurskTools(el, spec, view, key, controls, notes);
  const readout = kurskReadout(el, view, readouts);
  if (readout) tools.prepend(readout);
  el.after(tools);
  if (typeof ResizeObserver === 'function') {
    let timer = null;
    let width = el.clientWidth;
    new ResizeObserver(() => {
      if (el.clientWidth === width) return;
      width = el.clientWidth;
      clearTimeout(timer);
      timer = setTimeout(() => kurskFit(el, view, spec, original), 150);
    }).observe(el);
  }
  // A link that needed correcting is rewritten to the scenario shown.
  if (notes.length) kurskWriteUrl();
}

async function kurskDrawAll() {
  const skipEntries = [];
  for (const el of document.querySelectorAll(KURSK_CHART_SELECTOR)) {
    try {
      await kurskDraw(el, skipEntries);
      el.dataset.rendered = 'true';
      // For make bench: when the first chart on the page was drawn.
      window.kurskFirstChartMs = window.kurskFirstChartMs || performance.now();
    } catch (err) {
      el.dataset.rendered = 'error';
      console.error('chart ' + el.id + ' failed to render', err);
    }
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  }
  kurskSkipLinks(skipEntries);
  const stray = kurskStrayKeys();
  const first = document.querySelector('.kursk-chart-tools');
  if (stray.length && first) {
    const notice = kurskEl('p', {class: 'kursk-scenario-notice', role: 'status'},
      `The link sets controls of ${stray.map((s) => `“${kurskShort(s)}”`).join(', ')}, which `
      + 'is not a chart on this page; that part was ignored.');
    first.prepend(notice);
  }
  document.documentElement.dataset.kurskCharts = 'drawn';
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', kurskDrawAll);
} else {
  kurskDrawAll();
}
