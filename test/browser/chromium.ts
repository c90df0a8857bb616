// Launches Debian's Chromium headless with WebGPU enabled (SwiftShader when no GPU).
import { chromium, type Browser } from 'playwright-core';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
// @ts-expect-error plain ESM helper without types
import { serveStatic } from '../../scripts/static-server.mjs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--enable-unsafe-webgpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface BrowserSession {
  readonly browser: Browser;
  /** Base URL of the repository served over HTTP. */
  readonly url: string;
}

/** For a test file: serves the repository and launches Chromium before its tests, closes both after. */
export function useChromiumAndServer(): BrowserSession {
  let browser: Browser | undefined;
  let server: { url: string; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    server = await serveStatic('.');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get browser() {
      return browser!;
    },
    get url() {
      return server!.url;
    },
  };
}
