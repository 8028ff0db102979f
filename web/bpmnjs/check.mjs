// Import BPMN files into the bpmn-js viewer in headless Chromium and report what it thinks of them.
//
//   node check.mjs model.bpmn [--png model.png] [other.bpmn [--png other.png]] ...
//
// Prints one JSON array, one object per model:
//   {file, ok, error, warnings: [message], missing: [id], shapes: n, elements: n, png}
// where `missing` lists the ids of semantic elements (flow elements, lanes, participants,
// message flows, artifacts) that the diagram does not draw. Chromium is Debian's
// (/usr/bin/chromium, or $CRMFLOW_CHROMIUM); playwright-core never downloads a browser here.
// Exit status: 0 when every model was checked (whatever it found), 2 on bad usage or a browser failure.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const executablePath = process.env.CRMFLOW_CHROMIUM || '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function parseArgs(argv) {
  const jobs = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--png') {
      if (!jobs.length || i + 1 >= argv.length) throw new Error('--png needs a model before it and a path after it');
      jobs[jobs.length - 1].png = resolve(argv[++i]);
    } else {
      jobs.push({ file: resolve(argv[i]), png: null });
    }
  }
  if (!jobs.length) throw new Error('usage: node check.mjs model.bpmn [--png out.png] ...');
  return jobs;
}

// Runs in the page: import, then compare the semantic model with the element registry.
async function importAndInspect(xml) {
  const viewer = window.viewer;
  let warnings = [];
  try {
    const result = await viewer.importXML(xml);
    warnings = result.warnings || [];
  } catch (err) {
    return { ok: false, error: String(err && err.message || err),
             warnings: (err.warnings || []).map((w) => String(w.message)), missing: [], shapes: 0, elements: 0 };
  }
  const registry = viewer.get('elementRegistry');
  const drawn = new Set(registry.getAll().map((e) => e.businessObject && e.businessObject.id).filter(Boolean));
  const wanted = [];
  const artifacts = (c) => (c.artifacts || []).forEach((a) => wanted.push(a));
  const lanes = (laneSet) => {
    if (!laneSet) return;
    for (const lane of laneSet.lanes || []) { wanted.push(lane); lanes(lane.childLaneSet); }
  };
  const container = (c) => {
    (c.laneSets || []).forEach(lanes);
    for (const el of c.flowElements || []) {
      if (el.$type === 'bpmn:DataObject') continue; // only its references are drawn
      wanted.push(el);
      if (el.flowElements) container(el);
    }
    artifacts(c);
  };
  const definitions = viewer.getDefinitions();
  for (const root of definitions.rootElements || []) {
    if (root.$type === 'bpmn:Process') container(root);
    if (root.$type === 'bpmn:Collaboration') {
      (root.participants || []).forEach((p) => wanted.push(p));
      (root.messageFlows || []).forEach((m) => wanted.push(m));
      artifacts(root);
    }
  }
  const missing = wanted.filter((el) => !drawn.has(el.id)).map((el) => el.id);
  return { ok: true, error: null, warnings: warnings.map((w) => String(w.message)), missing,
           shapes: drawn.size, elements: wanted.length };
}

async function fit(page) {
  // size the page to the diagram (within limits) so the screenshot stays legible, then fit it
  const inner = await page.evaluate(() => window.viewer.get('canvas').viewbox().inner);
  const scale = Math.min(1, 2400 / (inner.width + 80));
  const width = Math.round(Math.max(640, Math.min(2400, (inner.width + 80) * scale)));
  const height = Math.round(Math.max(320, Math.min(2400, (inner.height + 80) * scale)));
  await page.setViewportSize({ width, height });
  await page.evaluate(() => {
    const canvas = window.viewer.get('canvas');
    canvas.resized();
    canvas.zoom('fit-viewport', 'auto');
  });
}

async function main() {
  let jobs;
  try {
    jobs = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(String(err.message));
    process.exit(2);
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'crmflow-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath, headless: true, args: FLAGS, viewport: { width: 1280, height: 800 },
  });
  const results = [];
  try {
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(String(err.message)));
    await page.goto(pathToFileURL(join(here, 'viewer.html')).href);
    await page.waitForFunction(() => Boolean(window.viewer));
    for (const job of jobs) {
      const xml = readFileSync(job.file, 'utf-8');
      const found = await page.evaluate(importAndInspect, xml);
      if (found.ok && job.png) {
        await fit(page);
        await page.screenshot({ path: job.png, fullPage: false });
      }
      results.push({ file: job.file, ...found, page_errors: pageErrors.splice(0), png: found.ok ? job.png : null });
    }
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(results, null, 1) + '\n');
}

main().catch((err) => {
  console.error(`bpmn-js check failed: ${err && err.stack || err}`);
  process.exit(2);
});
