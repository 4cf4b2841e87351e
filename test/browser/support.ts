/**
 * Headless Chromium (Debian's `chromium`, driven by playwright-core) with the network to
 * every host but loopback blocked: any request elsewhere is aborted and recorded, so a
 * test can assert that none was made.
 */
import { chromium, type Browser, type Page } from 'playwright-core'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const LOOPBACK = /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

export interface GuardedPage {
  page: Page
  /** Requests to hosts other than loopback (aborted). */
  blocked: string[]
  /** Console messages about Content-Security-Policy violations. */
  cspViolations: string[]
}

export async function guardedPage(browser: Browser): Promise<GuardedPage> {
  const page = await browser.newPage()
  const blocked: string[] = []
  const cspViolations: string[] = []
  await page.route('**/*', (route) => {
    const url = route.request().url()
    if (LOOPBACK.test(url)) return route.continue()
    blocked.push(url)
    return route.abort('blockedbyclient')
  })
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text())
  })
  return { page, blocked, cspViolations }
}
