// Browser load-to-interactive time: the real binary serves the app, Debian's Chromium opens
// it, and the clock runs from navigation start until the app reports itself ready (WASM
// compiled, RDKit MinimalLib initialised, first frames drawn, the sign-in form on screen).
// Cold = a fresh browser context (empty HTTP cache); warm = a reload in the same context.
//   node bench/suite/browser_load.mjs --binary build/native/server/labelloop [--runs N]
import { startServer, launchBrowser } from '../../tests/e2e/lib.mjs';

const argv = process.argv.slice(2);
const binary = argv[argv.indexOf('--binary') + 1];
const runs = argv.includes('--runs') ? Number(argv[argv.indexOf('--runs') + 1]) : 5;
if (!binary || argv.indexOf('--binary') < 0) {
  console.error('usage: node browser_load.mjs --binary path/to/labelloop [--runs N]');
  process.exit(2);
}

async function timeToInteractive(page, navigate) {
  const t0 = Date.now();
  await navigate();
  for (;;) {
    const ready = await page.evaluate(() => {
      try {
        const raw = window.labelloop && window.labelloop.state();
        const s = typeof raw === 'string' ? JSON.parse(raw) : raw;
        return !!(s && s.ready && s.widgets && s.widgets.token_input);
      } catch (e) {
        return false;
      }
    });
    if (ready) return Date.now() - t0;
    if (Date.now() - t0 > 60000) throw new Error('the app did not become interactive in 60 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const server = await startServer(binary);
const browser = await launchBrowser();
try {
  const cold = [];
  const warm = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    cold.push(await timeToInteractive(page, () => page.goto(server.url)));
    warm.push(await timeToInteractive(page, () => page.reload()));
    await context.close();
  }
  console.log(JSON.stringify({ measure: 'browser load-to-interactive (ms)', runs,
                               cold_median_ms: median(cold), warm_median_ms: median(warm), cold, warm }));
} finally {
  await browser.close();
  await server.stop();
}
