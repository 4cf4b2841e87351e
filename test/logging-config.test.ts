import { describe, expect, it } from 'vitest'
import { createGateway } from '../app/gateway'
import { createLogger, logLevelFromEnv } from '../src/log'
import { customGateway, logCapture } from './helpers'
import { bearer } from './tokens'

describe('structured access log', () => {
  it('writes one JSON line per request with id, method, route, status, upstream, duration', async () => {
    const capture = logCapture()
    const gw = customGateway({}, { logger: createLogger({ service: 'gw' }, capture.sink) })
    const res = await gw.fetch('/api/v2/users/1', { headers: { 'x-request-id': 'log-1', ...(await bearer('grace')) } })
    expect(res.status).toBe(200)
    const access = capture.lines.filter((l) => l.msg === 'request')
    expect(access).toHaveLength(1)
    expect(access[0]).toMatchObject({
      request_id: 'log-1',
      method: 'GET',
      route: '/api/v2/users/:id',
      status: 200,
      upstream: 'users',
      service: 'gw',
    })
    expect(typeof access[0]!.duration_ms).toBe('number')
  })

  it('logs 404s with a null route and upstream', async () => {
    const capture = logCapture()
    const gw = customGateway({}, { logger: createLogger({}, capture.sink) })
    await gw.fetch('/nope')
    expect(capture.lines.filter((l) => l.msg === 'request')[0]).toMatchObject({ status: 404, route: null, upstream: null })
  })
})

describe('config validation', () => {
  it('rejects a config with readable reasons', () => {
    expect(() => createGateway({ services: { Users: { bindings: [] } } })).toThrow(/invalid gateway config/)
    expect(() => createGateway({ services: { users: { urls: ['ftp://x'] } } })).toThrow(/invalid gateway config/)
  })

  it('rejects a default version that is not supported', () => {
    expect(() =>
      createGateway({ services: {}, versions: { supported: ['v2'], default: 'v1' } }),
    ).toThrow(/default version v1/)
  })

  it('rejects a binding that is not bound', () => {
    expect(() => createGateway({ services: { users: { bindings: ['NOPE'] } } }, { bindings: () => undefined })).toThrow(
      /binding NOPE is not bound/,
    )
  })
})

describe('log level (SWITCHYARD_LOG_LEVEL)', () => {
  it('leaves out the lines below the level, access log included, and keeps the rest', async () => {
    const capture = logCapture()
    const gw = customGateway({}, { logger: createLogger({}, capture.sink, logLevelFromEnv({ SWITCHYARD_LOG_LEVEL: 'warn' })) })
    expect((await gw.fetch('/nope')).status).toBe(404)
    expect(capture.lines.filter((l) => l.msg === 'request')).toEqual([])
    createLogger({}, capture.sink, 'warn').child({ part: 'x' }).log('warn', 'kept')
    expect(capture.lines).toMatchObject([{ level: 'warn', msg: 'kept', part: 'x' }])
  })

  it('an unknown or missing value writes every line', () => {
    expect(logLevelFromEnv({ SWITCHYARD_LOG_LEVEL: 'loud' })).toBeUndefined()
    expect(logLevelFromEnv({})).toBeUndefined()
    const capture = logCapture()
    createLogger({}, capture.sink, logLevelFromEnv({})).log('debug', 'all')
    expect(capture.lines).toHaveLength(1)
  })
})
