// Walking skeleton end to end: the real `labelloop` binary serves the app; Chromium loads
// it, the app reports the server's version, a SMILES typed with the real keyboard is drawn
// by RDKit MinimalLib into an ImGui texture, an invalid one gets a clear message, and the
// canvas follows window size and devicePixelRatio.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test, after, before } from 'node:test';
import { openTab, parseArgs, startServer, launchBrowser, waitForState, clickWidget, screenshot, state } from './lib.mjs';
import { decodePng, pixelCensus } from './png.mjs';

const args = parseArgs();
let server, browser;

before(async () => {
  server = await startServer(args.binary);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  const code = await server?.stop();
  assert.equal(code, 0, 'server should exit cleanly on SIGTERM:\n' + server.log());
});

async function openApp(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, ...options });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(server.url);
  const s = await waitForState(page, (st) => st.ready && st.server.state === 'connected',
                               'the app to be ready and connected');
  // ImGui draws over the whole canvas, at device resolution.
  const dpr = options.deviceScaleFactor || 1;
  const expected = [s.display.css[0] * dpr, s.display.css[1] * dpr];
  assert.deepEqual(s.display.imgui, expected, 'ImGui display size = CSS size x devicePixelRatio');
  assert.deepEqual(s.display.framebuffer, expected, 'framebuffer = CSS size x devicePixelRatio');
  // The structure viewer works without signing in.
  await openTab(page, 'tab_structure', 'Structure');
  await waitForState(page, (st) => st.tab === 'Structure' && st.widgets.smiles_input, 'the Structure tab');
  return { context, page, s, consoleErrors };
}

/** Types `smiles` into the Structure tab's field until the app has taken all of it (drawn it
 *  or refused it): on a loaded machine a keystroke can land before the field is active. */
async function typeSmiles(page, smiles) {
  for (let attempt = 0; ; attempt++) {
    await clickWidget(page, 'smiles_input');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.type(smiles, { delay: 5 });
    try {
      return await waitForState(page, (st) => st.molecule.smiles === smiles, `${smiles} typed`, 10000);
    } catch (e) {
      if (attempt === 2) throw e;
    }
  }
}

test('the app loads, shows the server version and draws a typed SMILES', async () => {
  const { context, page, s, consoleErrors } = await openApp();
  const health = await (await fetch(server.url + 'api/v1/health')).json();
  assert.equal(s.server.version, health.version);
  assert.equal(s.server.schema_version, health.schema_version);
  assert.equal(s.server.sync_protocol_version, health.sync_protocol_version);

  const aspirin = 'CC(=O)Oc1ccccc1C(=O)O';
  await typeSmiles(page, aspirin);
  const drawn = await waitForState(page, (st) => st.molecule.drawn && st.molecule.smiles === aspirin,
                                   'aspirin to be drawn');
  assert.equal(drawn.smiles, aspirin);
  assert.ok(Math.abs(drawn.molecule.descriptors.exactmw - 180.042) < 0.01,
            'RDKit descriptors for aspirin: exact MW 180.04');

  // The structure is really on screen: white depiction with dark bonds and red oxygens.
  const file = await screenshot(page, args.artifacts, 'skeleton-aspirin');
  const img = decodePng(fs.readFileSync(file));
  const census = pixelCensus(img, drawn.widgets.molecule_image);
  assert.ok(census.white > census.total * 0.5, `mostly white background: ${JSON.stringify(census)}`);
  assert.ok(census.dark > 200, `bonds drawn: ${JSON.stringify(census)}`);
  assert.ok(census.coloured > 50, `heteroatoms drawn in colour: ${JSON.stringify(census)}`);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('an invalid SMILES gets a clear message and no structure', async () => {
  const { context, page } = await openApp();
  await typeSmiles(page, 'C1CC(');
  const s = await waitForState(page, (st) => !st.molecule.drawn && st.molecule.smiles === 'C1CC(',
                               'the invalid SMILES to be rejected');
  assert.match(s.molecule.error, /'C1CC\(' is not a valid SMILES/);
  assert.ok(s.widgets.molecule_error, 'the error message is shown');
  assert.equal(s.widgets.molecule_image, undefined, 'no structure image is shown');
  await screenshot(page, args.artifacts, 'skeleton-invalid-smiles');
  await context.close();
});

test('crisp on HiDPI and follows the window size', async () => {
  const { context, page, s } = await openApp({ deviceScaleFactor: 2 });
  assert.equal(s.device_pixel_ratio, 2);
  await waitForState(page, (st) => st.molecule.drawn, 'the default molecule to be drawn');
  const backing = () => page.evaluate(() => [Module.canvas.width, Module.canvas.height]);
  await waitForState(page, () => true, 'a frame');
  assert.deepEqual(await backing(), [2400, 1600], 'canvas backing store at device resolution');
  const st = await state(page);
  assert.equal(st.molecule.pixels, 640, 'depiction rendered at device resolution');

  await page.setViewportSize({ width: 900, height: 600 });
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline && (await backing())[0] !== 1800) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await backing(), [1800, 1200], 'canvas follows the window size');
  const after = await state(page);
  assert.ok(after.widgets.smiles_input.x + after.widgets.smiles_input.w <= 900, 'widgets stay in the window');
  await screenshot(page, args.artifacts, 'skeleton-hidpi');
  await context.close();
});

test('the app notices when the server goes away', async () => {
  const { context, page } = await openApp();
  await server.stop();
  const s = await waitForState(page, (st) => st.server.state === 'offline', 'the app to show offline', 20000);
  assert.match(s.server.message, /cannot be reached/);
  await screenshot(page, args.artifacts, 'skeleton-offline');
  await context.close();
  // Restart for any later test, same database.
  server = await startServer(args.binary, { dbPath: server.db });
});
