// The upload page: files are cleaned here, in the browser, and only the
// cleaned copies can be downloaded or uploaded (to the form's action, a
// multipart POST with one `files` part per cleaned file).

import { Session, download, droppedFiles, preload } from './session.js';
import { formatBytes } from './findings.js';

const $ = (id) => document.getElementById(id);
const list = $('list');
const form = $('upload');

const session = new Session(list, { onChange: update });

function update() {
  const total = session.entries.length;
  const cleaned = session.cleaned.length;
  const refused = session.refused.length;
  const busy = session.busy;
  let text = total === 0 ? 'No files yet.' : `${cleaned} of ${total} cleaned`;
  if (refused) text += `, ${refused} not cleaned (they will not be uploaded)`;
  if (busy) text += ' — working…';
  else if (total) text += '.';
  $('summary').textContent = text;
  $('download-all').disabled = cleaned === 0;
  $('send').disabled = cleaned === 0 || busy;
  $('clear').disabled = total === 0 || busy;
}

function add(files) {
  if (files.length === 0) return;
  $('upload-status').textContent = '';
  session.add(files);
}

for (const input of [$('files'), $('folder')]) {
  input.addEventListener('change', () => {
    add([...input.files].map((file) => ({ file, name: file.webkitRelativePath || file.name })));
    input.value = '';
  });
}

const drop = $('drop');
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', async (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  add(await droppedFiles(event.dataTransfer));
});
drop.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    $('files').click();
  }
});
// A file dropped outside the zone must not be opened by the browser.
window.addEventListener('dragover', (event) => event.preventDefault());
window.addEventListener('drop', (event) => event.preventDefault());

$('download-all').addEventListener('click', async () => {
  for (const entry of session.cleaned) {
    download(entry.blob, entry.name);
    // Browsers drop downloads started in the same instant.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
});

$('clear').addEventListener('click', () => {
  session.clear();
  $('upload-status').textContent = '';
});

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const cleaned = session.cleaned;
  if (cleaned.length === 0 || session.busy) return;
  const body = new FormData();
  for (const entry of cleaned) body.append('files', entry.blob, entry.name.split('/').pop());
  const bytes = cleaned.reduce((sum, entry) => sum + entry.blob.size, 0);
  const meter = $('upload-progress');
  const status = $('upload-status');
  const request = new XMLHttpRequest();
  request.open('POST', form.action);
  request.upload.onprogress = (e) => {
    if (e.lengthComputable) meter.value = Math.round((e.loaded / e.total) * 100);
  };
  request.onload = () => {
    meter.hidden = true;
    status.textContent = request.status >= 200 && request.status < 300
      ? `Uploaded ${cleaned.length} cleaned file${cleaned.length === 1 ? '' : 's'} (${formatBytes(bytes)}).`
      : `The upload failed: the server answered ${request.status} ${request.statusText}.`;
    $('send').disabled = false;
  };
  request.onerror = () => {
    meter.hidden = true;
    status.textContent = 'The upload failed: the server could not be reached.';
    $('send').disabled = false;
  };
  meter.hidden = false;
  meter.value = 0;
  status.textContent = `Uploading ${cleaned.length} cleaned file${cleaned.length === 1 ? '' : 's'}…`;
  $('send').disabled = true;
  request.send(body);
});

update();
// Load the cleaner now: once the page is open, cleaning needs no network.
preload().then(
  () => document.body.setAttribute('data-ready', ''),
  (error) => { $('summary').textContent = `The cleaner could not start: ${error.message}`; },
);
