import { describe, expect, it } from 'vitest'
import { DOCS_CSP } from '../wire/docs'
import { expectProblem, gateway } from './helpers'

/** Every URL a page names (src, href, url(...)), outside data: URIs. */
const urlsIn = (text: string) =>
  [...text.matchAll(/(?:src|href)="([^"]+)"|https?:\/\/[^\s"'<>)]+/g)].map((m) => m[1] ?? m[0]).filter((u) => !u.startsWith('data:'))

describe('docs pages need no host but the gateway', () => {
  it.each(['/docs', '/api/v2/users/docs', '/api/v2/orders/docs'])('%s names only gateway paths, under a self-only CSP', async (path) => {
    const res = await gateway(path)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toBe(DOCS_CSP)
    const html = await res.text()
    expect(html).not.toMatch(/<script>|<style|\sstyle="|\son[a-z]+="/)
    const urls = urlsIn(html)
    expect(urls.length).toBeGreaterThan(0)
    for (const url of urls) expect(url).toMatch(/^\/docs\/assets\//)
  })

  it('serves Swagger UI from the pinned package, and the start script, with the CSP', async () => {
    for (const [file, type] of [
      ['swagger-ui-bundle.js', 'text/javascript'],
      ['swagger-ui.css', 'text/css'],
      ['docs-init.js', 'text/javascript'],
    ] as const) {
      const res = await gateway(`/docs/assets/${file}`)
      expect(res.status, file).toBe(200)
      expect(res.headers.get('content-type')).toContain(type)
      expect(res.headers.get('content-security-policy')).toBe(DOCS_CSP)
      const text = await res.text()
      expect(text.length).toBeGreaterThan(file === 'docs-init.js' ? 50 : 100_000)
    }
    expect(await (await gateway('/docs/assets/docs-init.js')).text()).toContain('SwaggerUIBundle')
  })

  it('hands out no other file of the package', async () => {
    for (const file of ['package.json', 'index.html', 'swagger-ui-bundle.js.map', 'absolute-path.js']) {
      await expectProblem(await gateway(`/docs/assets/${file}`), 404)
    }
    await expectProblem(await gateway('/docs/assets/..%2Fpackage.json'), 400)
  })
})
