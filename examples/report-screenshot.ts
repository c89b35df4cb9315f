// Renders a run's report.html in headless Chromium (playwright-core) and saves a full-page PNG:
//   node --import tsx examples/report-screenshot.ts out/brain/run/report.html docs/report-screenshot.png
// Needs a Chromium: /usr/bin/chromium (Debian) or CHROMIUM=/path/to/chrome.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  console.error('usage: node --import tsx examples/report-screenshot.ts REPORT.html OUT.png');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`no Chromium at ${executablePath}; set CHROMIUM=/path/to/chrome`);
  process.exit(2);
}
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1150, height: 900 } });
  // The report must open offline: fail any request that leaves the file.
  await page.route(/^(?!file:|data:)/, (route) => route.abort());
  await page.goto(pathToFileURL(resolve(input)).href);
  await page.screenshot({ path: output, fullPage: true });
  console.log(`wrote ${output}`);
} finally {
  await browser.close();
}
