// A message-passing (D-MPNN) model in the browser: the real binary with the demo data (ESOL),
// Debian's Chromium. An admin creates a small mpnn ensemble through the API on 150 measured
// compounds and selects a first batch; in the app, the Labeling tab scores the current compound
// in the browser (graph from RDKit MinimalLib's JSON of the molecule) to the server's own
// prediction, and Sample Selection previews an uncertainty batch over the demo pool, whose
// molecule graphs the server sends inside the features. Screenshots of both tabs are saved.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, before, after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { clickUntil, collectErrors, launchBrowser, openTab, parseArgs, screenshot, signIn, startServer,
         waitForState, waitFrames } from './lib.mjs';

const args = parseArgs();
// The team's reference data sets sit next to the checkout (../shared/data).
const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data/esol.csv');
const MEASURED = 'measured log solubility in mols per litre';
const MODEL = 'Solubility networks';
let server, browser, admin, model, firstBatch;

async function api(urlPath, body) {
  const res = await fetch(server.url + urlPath.replace(/^\//, ''), {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

before(async () => {
  server = await startServer(args.binary, { extraArgs: ['--demo'], readyTimeoutMs: 240000 });
  const m = server.stdout().match(/^\s*admin\s+(\S+)\s*$/m);
  assert.ok(m, 'the demo prints an admin token:\n' + server.stdout());
  admin = m[1];
  // 150 measured compounds of a property of their own; the demo's other compounds are the pool.
  const seed = fs.readFileSync(DATA, 'utf8').split('\n').slice(0, 151).join('\n') + '\n';
  const imported = await api('/api/v1/compounds/import', {
    format: 'csv', content: seed, smiles_column: 'smiles', id_column: 'Compound ID',
    label_column: MEASURED, property: 'solubility', dataset: 'solubility_seed' });
  assert.equal(imported.status, 200, JSON.stringify(imported.body));
  // Three small networks: enough to have a spread, quick to train on two cores.
  const created = await api('/api/v1/models', {
    name: MODEL, property: 'solubility', dataset: 'solubility_seed',
    params: { member_type: 'mpnn', n_members: 3, seed: 3, mpnn: { epochs: 8, hidden: 32, ffn_width: 32 } } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  model = created.body;
  assert.equal(model.params.member_type, 'mpnn');
  const selected = await api('/api/v1/active-learning/select',
                             { model_id: model.id, strategy: 'uncertainty', batch_size: 5 });
  assert.equal(selected.status, 201, JSON.stringify(selected.body));
  firstBatch = selected.body.items;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an mpnn model scores in the browser: labeling prediction and a selection preview', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  // The newest model is the one the app opens with.
  await signIn(page, server.url, admin, {
    ready: (s) => s.signed_in && s.model && s.model.name === MODEL && s.queue.loaded > 0,
    what: 'signed in on the mpnn model',
  });

  // Labeling: the browser's prediction for the current compound equals the server's.
  await openTab(page, 'tab_labeling', 'Labeling');
  let s = await waitForState(page, (st) => st.tab === 'Labeling' && st.model_loaded && st.current &&
                                           (st.current.browser_prediction || st.current.prediction_error),
                             'the current compound scored in the browser', 60000);
  assert.equal(s.current.prediction_error, '');
  const item = firstBatch.find((i) => i.id === s.current.id);
  assert.ok(item, `the current item ${s.current.id} is one of the selected batch`);
  assert.equal(s.current.browser_prediction.members, 3);
  const theirs = item.prediction, ours = s.current.browser_prediction.mean;
  assert.ok(Math.abs(ours - theirs) <= 1e-6 * Math.max(1, Math.abs(theirs)),
            `browser ${ours} vs server ${theirs} for ${item.smiles}`);
  assert.ok(s.current.browser_prediction.std > 0, 'the networks disagree a little');
  await page.mouse.move(5, 5);
  await waitFrames(page, 3);
  await screenshot(page, args.artifacts, 'mpnn-labeling');

  // Sample Selection: an uncertainty preview of the pool, graphs from the server.
  await openTab(page, 'tab_selection', 'Sample Selection');
  {
    const runs = (await waitForState(page, (st) => st.tab === 'Sample Selection', 'the tab')).preview.runs;
    await clickUntil(page, 'preview_button', (st) => st.preview.runs > runs, 'the preview started');
  }
  s = await waitForState(page, (st) => !st.preview.running && (st.preview.rows.length > 0 || st.preview.error),
                         'an uncertainty preview', 120000);
  assert.equal(s.preview.error, '');
  assert.equal(s.preview.rows.length, s.preview.batch_asked);
  assert.ok(s.preview.pool > 500, `the pool scored in the browser: ${s.preview.pool}`);
  const picked = new Set(firstBatch.map((i) => i.compound_id));
  assert.ok(s.preview.rows.every((r) => !picked.has(r.compound_id)), 'queued compounds are not offered again');
  console.log(`# mpnn preview of ${s.preview.pool} compounds: ${s.preview.ms.toFixed(1)} ms, ` +
              `at most ${s.preview.max_frame_ms.toFixed(1)} ms in one frame`);
  await screenshot(page, args.artifacts, 'mpnn-selection');
  assert.deepEqual(errors, []);
  await context.close();
});
