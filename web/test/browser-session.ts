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
  /** What Chromium refused under the server's Content-Security-Policy; close() fails when any. */
  cspViolations: string[];
  /**
   * A page in a browser context of its own (its own cookies: a second user signed in beside the
   * first), watched for CSP violations like the first; closed with the session.
   */
  newPage(options: { locale: string; viewport: { width: number; height: number } }): Promise<Page>;
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
    // A script, style or image the policy (api/src/security-headers.ts) blocks shows as a console error.
    const cspViolations: string[] = [];
    const opened = browser;
    const newPage = async (contextOptions: { locale: string; viewport: { width: number; height: number } }) => {
      const context = await opened.newContext(contextOptions);
      const created = await context.newPage();
      created.setDefaultTimeout(30_000);
      created.on('console', (message) => {
        if (message.type() === 'error' && message.text().includes('Content Security Policy')) cspViolations.push(message.text());
      });
      return created;
    };
    const page = await newPage(options);
    return {
      platform,
      page,
      shot: (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true }),
      cspViolations,
      newPage,
      async close() {
        await opened.close();
        await platform.stop();
        if (cspViolations.length > 0) {
          throw new Error(`the pages broke the server's Content-Security-Policy:\n${cspViolations.join('\n')}`);
        }
      },
    };
  } catch (error) {
    await browser?.close();
    await platform.stop();
    throw error;
  }
}
