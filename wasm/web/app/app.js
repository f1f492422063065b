// The phone app: files arrive from the share sheet (the service worker
// hands them over) or from the picker, are cleaned here through the
// package's large-file path, and only cleaned copies are shared on (Web
// Share API) or saved.

import { Session, download, preload } from './session.js';

const $ = (id) => document.getElementById(id);

const session = new Session($('list'), { onChange: update });

function update() {
  const total = session.entries.length;
  const cleaned = session.cleaned.length;
  const refused = session.refused.length;
  if (total > 0) {
    let text = `${cleaned} of ${total} cleaned`;
    if (refused) text += `, ${refused} not cleaned (never shared)`;
    $('summary').textContent = session.busy ? `${text} — working…` : `${text}.`;
  }
  const ready = cleaned > 0 && !session.busy;
  $('share').disabled = !ready;
  $('share').textContent = cleaned > 1 ? `Share ${cleaned} cleaned` : 'Share cleaned';
  $('save').disabled = !ready;
  $('clear').disabled = total === 0 || session.busy;
}

function cleanedFiles() {
  return session.cleaned.map((entry) =>
    new File([entry.blob], entry.name.split('/').pop(), { type: entry.blob.type || entry.file.type }));
}

async function saveAll() {
  for (const entry of session.cleaned) {
    download(entry.blob, entry.name);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

$('share').addEventListener('click', async () => {
  const files = cleanedFiles();
  if (navigator.canShare?.({ files })) {
    try {
      await navigator.share({ files });
      $('summary').textContent = `Shared ${files.length} cleaned file${files.length === 1 ? '' : 's'}.`;
    } catch (error) {
      // The user closed the share sheet: nothing to say.
      if (error?.name !== 'AbortError') $('summary').textContent = `Sharing failed: ${error.message}. Use Save instead.`;
    }
  } else {
    $('summary').textContent = 'This browser cannot share files; saving them instead.';
    await saveAll();
  }
});
$('save').addEventListener('click', saveAll);
$('clear').addEventListener('click', () => {
  session.clear();
  $('summary').textContent = 'Share photos or videos to mediascrub from your gallery, or choose them here.';
});

$('files').addEventListener('change', (event) => {
  const input = event.target;
  session.add([...input.files].map((file) => ({ file, name: file.name })));
  input.value = '';
});

/** Files shared to the app: the service worker holds them for this page. */
async function receiveShared() {
  const registration = await navigator.serviceWorker.ready;
  const worker = navigator.serviceWorker.controller ?? registration.active;
  const files = await new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = ({ data }) => resolve(data.files ?? []);
    worker.postMessage({ type: 'share-ready' }, [channel.port2]);
    setTimeout(() => resolve([]), 30_000);
  });
  history.replaceState(null, '', location.pathname);
  if (files.length === 0) {
    $('summary').textContent = 'Nothing arrived from the share. Choose the files here instead.';
    return;
  }
  session.add(files.map((file) => ({ file, name: file.name })));
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('./sw.js').catch((error) => {
    $('offline-note').textContent = `Offline use is not available here: ${error.message}`;
  });
  if (new URLSearchParams(location.search).has('share')) receiveShared();
}
update();
preload().then(
  () => document.body.setAttribute('data-ready', ''),
  (error) => { $('summary').textContent = `The cleaner could not start: ${error.message}`; },
);
