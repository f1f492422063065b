// What a file gave away, in plain words: shared by the upload page and the
// phone app. Reports are those of the mediascrub package
// ({ format, findings: [{ category, field, where, value, fate }] }).

/** Categories in the order people care about, with plain names. */
export const CATEGORIES = [
  { id: 'location', title: 'Location', phrase: 'where it was taken' },
  { id: 'identity', title: 'People and owners', phrase: 'who made or owns it' },
  { id: 'device', title: 'Camera or phone', phrase: 'the device' },
  { id: 'time', title: 'Date and time', phrase: 'when it was taken' },
  { id: 'telemetry', title: 'Flight and motion telemetry', phrase: 'a recorded track of movement' },
  { id: 'embedded', title: 'Hidden pictures and embedded files', phrase: 'hidden pictures or embedded files' },
  { id: 'provenance', title: 'Content credentials', phrase: 'content credentials naming the tools and people' },
  { id: 'software', title: 'Software and editing', phrase: 'the software and edits' },
  { id: 'other', title: 'Other details', phrase: 'other details' },
];

const TITLES = new Map(CATEGORIES.map((c) => [c.id, c]));

export function categoryOf(id) {
  return TITLES.get(id) ?? { id, title: id, phrase: id };
}

/** Findings that were (or would be) taken out: everything not kept on purpose. */
export function exposed(report) {
  return (report?.findings ?? []).filter((f) => f.fate !== 'kept');
}

/** Findings grouped by category, in CATEGORIES order. */
export function grouped(findings) {
  const groups = new Map();
  for (const finding of findings) {
    const list = groups.get(finding.category) ?? [];
    list.push(finding);
    groups.set(finding.category, list);
  }
  const order = CATEGORIES.map((c) => c.id);
  return [...groups.entries()].sort(
    ([a], [b]) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99),
  );
}

function shorten(text, max = 60) {
  const value = String(text ?? '').trim();
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

function joinWords(parts) {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2024:05:06 07:08:09" (Exif) or "2024-05-06T07:08:09Z" → "6 May 2024 07:08". */
function readableDate(text) {
  const match = /^(\d{4})[:-](\d{2})[:-](\d{2})(?:[ T](\d{2}):(\d{2}))?/.exec(String(text ?? ''));
  if (!match) return shorten(text, 40);
  const [, year, month, day, hour, minute] = match;
  const name = MONTHS[Number(month) - 1];
  if (!name || Number(day) < 1) return shorten(text, 40);
  return `${Number(day)} ${name} ${year}${hour ? ` ${hour}:${minute}` : ''}`;
}

/** The value that says most about a category, for the one-line gist. */
function headline(category, list) {
  const value = (finding) => shorten(finding.value, 40);
  const first = (test) => list.find((f) => test(f) && f.value);
  switch (category) {
    case 'location': {
      const position = first((f) => /gps|position|location|coordinates/i.test(f.field)) ?? first(() => true);
      // "59.437000, 24.753600 (8 GPS tags)" reads better without the count.
      return position ? value(position).replace(/\s*\(\d+ GPS tags?\)$/, '') : '';
    }
    case 'device': {
      const parts = [];
      for (const f of list) {
        if (!f.value || /unique id|uuid|identifier/i.test(f.field)) continue;
        const text = /serial/i.test(f.field) ? `serial ${shorten(f.value, 24)}` : shorten(f.value, 24);
        if (!parts.includes(text)) parts.push(text);
        if (parts.length === 3) break;
      }
      return parts.join(' ');
    }
    case 'time': {
      const hit = first(() => true);
      return hit ? readableDate(hit.value) : '';
    }
    case 'embedded':
      return list.map((f) => f.field.toLowerCase()).filter((v, i, all) => all.indexOf(v) === i).slice(0, 2).join(', ');
    default: {
      const hit = first(() => true);
      return hit ? value(hit) : '';
    }
  }
}

/**
 * One sentence of what a stranger would learn from the file, e.g. "It gave
 * away where it was taken (59.437000, 24.753600), who made or owns it (Jane
 * Planted), the device (PlantedCam PC-1 Mark II serial MSCRUB-SN-0042), …".
 * `refused` words it as what the file still gives away. Minor details
 * ("other") are left to the details table.
 */
export function gist(report, { refused = false } = {}) {
  // The core's sentence, the same the command line prints.
  if (report?.summary) return refused ? `Still in the file: ${report.summary}` : report.summary;
  const groups = grouped(exposed(report));
  if (groups.length === 0) {
    return refused ? 'Nothing identifying was found before it stopped.' : 'Nothing identifying was found.';
  }
  const major = groups.filter(([category]) => category !== 'other');
  const parts = major.map(([category, list]) => {
    const text = headline(category, list);
    const phrase = categoryOf(category).phrase;
    return text ? `${phrase} (${text})` : phrase;
  });
  if (major.length < groups.length) parts.push(major.length ? 'other details' : 'some details');
  const verb = refused ? 'It still gives away' : 'It gave away';
  return `${verb} ${joinWords(parts)}.`;
}

/** "2.4 MB" */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return '';
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} ${units[0]}` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const FATES = { removed: 'removed', zeroed: 'blanked', replaced: 'replaced', kept: 'kept' };

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === 'class') node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export { element };

/**
 * The details of a report: one table per category, field / value / what
 * happened to it. `refused`: the file was not cleaned, so every fate reads
 * "not cleaned".
 */
export function details(report, { refused = false } = {}) {
  const findings = report?.findings ?? [];
  const box = element('details', { class: 'details' });
  const hidden = exposed(report).length;
  box.append(element('summary', {}, `Details (${findings.length})`));
  if (hidden !== findings.length) {
    const kept = findings.length - hidden;
    box.append(element('p', { class: 'note' },
      `${kept} item${kept === 1 ? ' is' : 's are'} kept because the picture needs ${kept === 1 ? 'it' : 'them'} to show properly (such as its rotation or colours).`));
  }
  for (const [category, list] of grouped(findings)) {
    const section = element('section', { class: `category category-${category}` });
    section.append(element('h4', {}, categoryOf(category).title));
    const table = element('table');
    table.append(
      element('thead', {}, element('tr', {},
        element('th', { scope: 'col' }, 'What'),
        element('th', { scope: 'col' }, 'Value'),
        element('th', { scope: 'col' }, 'Now'))),
    );
    const body = element('tbody');
    for (const finding of list) {
      const fate = refused ? 'not cleaned' : FATES[finding.fate] ?? finding.fate;
      body.append(element('tr', { class: `fate-${finding.fate}` },
        element('td', {}, finding.field, element('span', { class: 'where' }, finding.where)),
        element('td', { class: 'value' }, shorten(finding.value, 200)),
        element('td', { class: 'fate' }, fate)));
    }
    table.append(body);
    section.append(table);
    box.append(section);
  }
  return box;
}

/** Categories with something exposed, for badges. */
export function badges(report) {
  return grouped(exposed(report)).map(([category, list]) =>
    element('span', { class: `badge badge-${category}` }, `${categoryOf(category).title} (${list.length})`));
}
