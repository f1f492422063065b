// A list of files being cleaned, shown as cards: shared by the upload page
// and the phone app. Files are cleaned one at a time in the package's
// Worker (large videos are read by ranges, never copied whole into
// memory); a file that cannot be cleaned and verified is marked refused
// and never offered for download, upload or sharing.

import { cleanFile, inspectFile, preload } from './mediascrub/index.js';

export { preload };
import { badges, details, element, formatBytes, gist } from './findings.js';

let counter = 0;

export class Entry {
  constructor(file, name) {
    this.id = `file-${++counter}`;
    this.file = file;
    this.name = name || file.name || 'unnamed';
    this.state = 'waiting';
    this.report = null;
    this.blob = null;
    this.error = null;
    this.element = this.#render();
  }

  get cleaned() {
    return this.state === 'cleaned';
  }

  #render() {
    const card = element('li', { class: 'file state-waiting', id: this.id, 'data-name': this.name });
    this.status = element('span', { class: 'status', role: 'status' }, 'Waiting');
    this.meter = element('progress', { max: '100', value: '0', 'aria-label': `Progress of ${this.name}` });
    this.body = element('div', { class: 'body' });
    card.append(
      element('div', { class: 'head' },
        element('span', { class: 'name' }, this.name),
        element('span', { class: 'size' }, formatBytes(this.file.size)),
        this.status),
      this.meter,
      this.body,
    );
    return card;
  }

  #set(state, status) {
    this.state = state;
    this.element.className = `file state-${state}`;
    this.status.textContent = status;
  }

  progress({ phase, done, total }) {
    const share = total > 0 ? done / total : 1;
    // Reading the input is the first half, verifying the result the second.
    const percent = Math.min(99, Math.round((phase === 'verify' ? 50 + share * 50 : share * 50)));
    this.meter.value = percent;
    this.status.textContent = `${phase === 'verify' ? 'Checking' : 'Cleaning'}… ${percent}%`;
  }

  async run(options = {}) {
    this.#set('cleaning', 'Cleaning…');
    try {
      const { blob, report } = await cleanFile(this.file, {
        ...options,
        onProgress: (p) => this.progress(p),
      });
      this.blob = blob;
      this.report = report;
      this.meter.value = 100;
      this.#set('cleaned', 'Cleaned');
      this.#show();
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      // Show what the file still gives away when it can be read at all.
      try {
        this.report = await inspectFile(this.file, options);
      } catch {
        this.report = null;
      }
      this.#set('refused', 'Not cleaned');
      this.#show();
    }
  }

  #show() {
    const refused = this.state === 'refused';
    this.body.replaceChildren();
    if (refused) {
      this.body.append(element('p', { class: 'error' },
        'Not cleaned, and it will not be uploaded or shared: ', this.error));
    }
    if (this.report) {
      const summary = element('p', { class: 'gist' }, gist(this.report, { refused }));
      const tags = element('p', { class: 'badges' }, ...badges(this.report));
      this.body.append(summary, tags);
      // The hidden thumbnails, shown: they often show the unedited original.
      const pictures = this.report.pictures ?? [];
      if (pictures.length) {
        const strip = element('div', { class: 'pictures' });
        for (const picture of pictures) {
          const url = URL.createObjectURL(new Blob([picture.bytes], { type: picture.mime }));
          strip.append(element('figure', {},
            element('img', { src: url, alt: `${picture.field} hidden in ${this.name}` }),
            element('figcaption', {}, `Hidden ${picture.field.toLowerCase()}`)));
        }
        this.body.append(strip);
      }
      this.body.append(details(this.report, { refused }));
    }
    if (this.cleaned) {
      const size = element('span', { class: 'result' },
        `Cleaned copy: ${formatBytes(this.blob.size)} (${this.report.format.toUpperCase()})`);
      const save = element('button', { type: 'button', class: 'secondary save' }, 'Download');
      save.addEventListener('click', () => download(this.blob, this.name));
      this.body.append(element('div', { class: 'actions' }, size, save));
    }
  }
}

/** Save a Blob under `name` through a temporary object URL. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = element('a', { href: url, download: name.split('/').pop() });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started reading the URL; revoke it later.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Files (with their relative paths) of a drop, folders read recursively. */
export async function droppedFiles(dataTransfer) {
  const entries = [...dataTransfer.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.())
    .filter(Boolean);
  if (entries.length === 0) return [...dataTransfer.files].map((file) => ({ file, name: file.name }));
  const found = [];
  async function walk(entry, prefix) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      found.push({ file, name: prefix + file.name });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  }
  for (const entry of entries) await walk(entry, '');
  return found;
}

/** Cleans files in turn, keeping the cards in `list` up to date. */
export class Session {
  constructor(list, { onChange = () => {}, options = {} } = {}) {
    this.list = list;
    this.entries = [];
    this.onChange = onChange;
    this.options = options;
    this.queue = Promise.resolve();
  }

  add(files) {
    const added = files.map(({ file, name }) => new Entry(file, name));
    for (const entry of added) {
      this.entries.push(entry);
      this.list.append(entry.element);
      this.queue = this.queue.then(() => entry.run(this.options)).then(() => this.onChange(this));
    }
    this.onChange(this);
    return this.queue;
  }

  clear() {
    this.entries = [];
    this.list.replaceChildren();
    this.onChange(this);
  }

  get cleaned() {
    return this.entries.filter((e) => e.cleaned);
  }

  get refused() {
    return this.entries.filter((e) => e.state === 'refused');
  }

  get busy() {
    return this.entries.some((e) => e.state === 'waiting' || e.state === 'cleaning');
  }
}
