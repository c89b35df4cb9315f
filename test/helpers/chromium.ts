// Which headless Chromium the browser suites drive, and how to launch it. In order: the one named
// by UNET_KIT_CHROMIUM, Debian's /usr/bin/chromium, then the build inside the devDependency
// @sparticuz/chromium, so `npm ci && npm test` runs every browser suite with no apt step.
// UNET_KIT_CHROMIUM=npm takes the npm build even where Debian's is installed (how CI checks it).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Flags both builds need: no sandbox (containers), no network chatter, WebGPU on SwiftShader. */
const COMMON_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
];

// @sparticuz/chromium's own defaults are tuned for AWS Lambda; these would change what a page
// sees (no web security, one process, SharedArrayBuffer without cross-origin isolation), so a
// test keeps a normal browser.
const SPARTICUZ_DROPPED = [
  '--disable-web-security',
  '--single-process',
  '--no-zygote',
  '--allow-running-insecure-content',
  '--enable-features=SharedArrayBuffer',
];

export interface ChromiumChoice {
  /** Where the executable is. */
  readonly executablePath: string;
  /** Launch flags. */
  readonly args: readonly string[];
  /** 'env', 'debian' or '@sparticuz/chromium', for test output. */
  readonly source: string;
}

/** Finds a Chromium (`'npm'`: the @sparticuz/chromium build); throws with what to install when none is found. */
export async function findChromium(fromEnv = process.env.UNET_KIT_CHROMIUM): Promise<ChromiumChoice> {
  if (fromEnv !== undefined && fromEnv !== '' && fromEnv !== 'npm') {
    if (!existsSync(fromEnv)) throw new Error(`UNET_KIT_CHROMIUM is ${fromEnv}, which does not exist.`);
    return { executablePath: fromEnv, args: [...COMMON_ARGS, '--disable-gpu'], source: 'env' };
  }
  if (fromEnv !== 'npm' && existsSync(DEBIAN_CHROMIUM)) {
    // --disable-gpu: WebGL still runs on SwiftShader, and a machine with a real GPU behaves like CI.
    return { executablePath: DEBIAN_CHROMIUM, args: [...COMMON_ARGS, '--disable-gpu'], source: 'debian' };
  }
  let sparticuz: { executablePath(): Promise<string>; args: string[] };
  try {
    sparticuz = (await import('@sparticuz/chromium')).default as typeof sparticuz;
  } catch (error) {
    throw new Error(
      `No Chromium: ${DEBIAN_CHROMIUM} is absent and the devDependency @sparticuz/chromium does not load (${String(error)}); ` +
        'run `npm ci`, or set UNET_KIT_CHROMIUM, or UNET_KIT_SKIP_BROWSER=1 to skip the browser suites.',
    );
  }
  const args = sparticuz.args.filter((arg) => !SPARTICUZ_DROPPED.includes(arg) && !arg.startsWith('--headless'));
  return { executablePath: await sparticuz.executablePath(), args: [...new Set([...args, ...COMMON_ARGS])], source: '@sparticuz/chromium' };
}

/** Launches the Chromium {@link findChromium} picks, with `extraArgs` after its own flags. */
export async function launchChromium(prefer?: string, extraArgs: readonly string[] = []): Promise<{ browser: Browser; choice: ChromiumChoice }> {
  const choice = await findChromium(prefer);
  // @sparticuz/chromium inflates its build to /tmp/chromium on first use; a test file in another
  // worker that finds the file while the first is still writing it gets ETXTBSY from spawn (seen
  // on a clean CI machine). Writing ends within seconds, so the launch is retried.
  for (let attempt = 1; ; attempt++) {
    try {
      const browser = await chromium.launch({ executablePath: choice.executablePath, args: [...choice.args, ...extraArgs], headless: true });
      return { browser, choice };
    } catch (error) {
      if (attempt >= 30 || !String(error).includes('ETXTBSY')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** True when the browser suites should be skipped (UNET_KIT_SKIP_BROWSER=1). */
export const SKIP_BROWSER = process.env.UNET_KIT_SKIP_BROWSER === '1';
