// Renders a run's report.html in headless Chromium (playwright-core) and saves a full-page PNG:
//   node --import tsx examples/report-screenshot.ts out/brain/run/report.html docs/report-screenshot.png
// Needs a Chromium: CHROMIUM=/path/to/chrome, else /usr/bin/chromium (Debian), else the build of
// the devDependency @sparticuz/chromium (what npm test uses where Debian's is absent).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  console.error('usage: node --import tsx examples/report-screenshot.ts REPORT.html OUT.png');
  process.exit(2);
}
/** The Chromium to drive, or undefined where there is none. */
async function findChromium(): Promise<string | undefined> {
  if (process.env.CHROMIUM !== undefined) return existsSync(process.env.CHROMIUM) ? process.env.CHROMIUM : undefined;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  try {
    const sparticuz = (await import('@sparticuz/chromium')).default as { executablePath(): Promise<string> };
    return await sparticuz.executablePath();
  } catch {
    return undefined;
  }
}
const executablePath = await findChromium();
if (executablePath === undefined) {
  console.error(`no Chromium: ${process.env.CHROMIUM ?? '/usr/bin/chromium'} is absent and @sparticuz/chromium does not load; set CHROMIUM=/path/to/chrome`);
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
