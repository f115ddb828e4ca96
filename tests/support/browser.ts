import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether browser tests can run here. Where Chromium is missing they are skipped with a notice,
 * unless REQUIRE_BROWSER=1 (CI), where that is a failure.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.REQUIRE_BROWSER === '1') {
    throw new Error(
      `REQUIRE_BROWSER=1 but Chromium is not at ${CHROMIUM_PATH}: install it with 'apt-get install -y chromium'.`,
    );
  }
  console.warn(
    `\n  NOTICE: browser tests skipped: Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium).\n`,
  );
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}
