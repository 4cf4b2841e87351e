import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDenoStack, type DenoStack } from './support'

let stack: DenoStack

beforeAll(async () => {
  stack = await startDenoStack()
})

afterAll(() => stack?.stop())

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${stack.gw.base}${path}`, { headers: { ...stack.admin, ...headers } })

describe('API versions under deno serve', () => {
  it('the same user five ways: v1 path, v2 path, media type, header, query', async () => {
    const v1 = { id: 1, name: 'Ada Lovelace' }
    const cases: [string, Record<string, string>, string][] = [
      ['/api/v1/users/1', {}, 'v1'],
      ['/api/v2/users/1', {}, 'v2'],
      ['/api/users/1', { accept: 'application/vnd.switchyard.v1+json' }, 'v1'],
      ['/api/users/1', { 'api-version': '1' }, 'v1'],
      ['/api/users/1?version=1', {}, 'v1'],
    ]
    for (const [path, headers, version] of cases) {
      const res = await get(path, headers)
      expect(res.status).toBe(200)
      expect(res.headers.get('api-version')).toBe(version)
      const body = await res.json()
      if (version === 'v1') expect(body).toEqual(v1)
      else expect(body).toMatchObject({ ...v1, email: 'ada@example.com' })
    }
  })

  it('conflicts, deprecation headers and the merged document', async () => {
    expect((await get('/api/v1/users/1', { 'api-version': '2' })).status).toBe(400)
    expect((await get('/api/v1/users/1')).headers.get('deprecation')).toMatch(/^@\d+$/)
    const doc = (await (await get('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> }
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.paths['/api/v2/users/{id}']).toBeDefined()
  })
})
