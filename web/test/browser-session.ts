/**
 * What every browser test starts from: the whole platform (as `npm start` runs it), the built web
 * app, and one page in Debian's Chromium driven by playwright-core, plus screenshots of each step
 * under web/test-artifacts/.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startEmbeddedPlatform, type EmbeddedPlatform } from '@aip/infra/testing';
import { ensureWebBuild, webRoot } from './web-build.ts';

const CHROMIUM = process.env.AIP_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = path.join(webRoot, 'test-artifacts');

export interface BrowserSession {
  platform: EmbeddedPlatform;
  page: Page;
  /** Saves a full-page screenshot as web/test-artifacts/<name>.png. */
  shot(name: string): Promise<Buffer>;
  close(): Promise<void>;
}

export async function openBrowserSession(options: {
  locale: string;
  viewport: { width: number; height: number };
}): Promise<BrowserSession> {
  await mkdir(artifacts, { recursive: true });
  const [platform] = await Promise.all([startEmbeddedPlatform(), ensureWebBuild()]);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Without the background-networking flags Chromium keeps dialling hosts this machine cannot reach.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const context = await browser.newContext(options);
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const opened = browser;
    return {
      platform,
      page,
      shot: (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true }),
      async close() {
        await opened.close();
        await platform.stop();
      },
    };
  } catch (error) {
    await browser?.close();
    await platform.stop();
    throw error;
  }
}
