import { describe, expect, it } from 'vitest'
import { createGateway } from '../app/gateway'
import { urlConfig, workersConfig } from '../src/config/deployment'
import { parseConfig } from '../src/config/schema'
import { tracingFromEnv } from '../wire/tracing/config'

describe('tracing config from the standard OTEL_* variables', () => {
  it('appends /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT and decodes the header list', () => {
    expect(
      tracingFromEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%3D%3D, x-tenant = t 1 ,broken,=x',
        OTEL_SERVICE_NAME: 'edge',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }),
    ).toEqual({
      serviceName: 'edge',
      sampleRatio: 0.25,
      otlp: { endpoint: 'https://collector.example:4318/v1/traces', headers: { 'api-key': 'abc==', 'x-tenant': 't 1' } },
    })
  })

  it('uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, and nothing when unset', () => {
    expect(
      tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b/traces' }).otlp
        ?.endpoint,
    ).toBe('http://b/traces')
    expect(tracingFromEnv({ SWITCHYARD_ENV: 'test', OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toEqual({})
  })

  it('leaves export to Deno when OTEL_DENO=true', () => {
    expect(tracingFromEnv({ OTEL_DENO: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toEqual({ runtime: true })
  })

  it('reaches the gateway config of both entries', () => {
    const vars = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }
    expect(parseConfig(workersConfig(vars)).tracing.otlp?.endpoint).toBe('http://c:4318/v1/traces')
    expect(urlConfig(vars).tracing).toEqual({ otlp: { endpoint: 'http://c:4318/v1/traces', headers: {} } })
  })

  it('defaults to propagation without export', () => {
    expect(parseConfig(workersConfig()).tracing).toEqual({
      enabled: true,
      serviceName: 'switchyard-gateway',
      sampleRatio: 1,
      runtime: false,
    })
  })
})

describe('invalid tracing config fails at start-up with a readable reason', () => {
  it.each([
    ['an endpoint that is not http(s)', { otlp: { endpoint: 'ftp://collector' } }, /tracing/],
    ['an endpoint that is not a URL', { otlp: { endpoint: 'collector:4318' } }, /tracing/],
    ['a ratio above 1', { sampleRatio: 1.5 }, /sampleRatio/],
    ['a ratio that is not a number (bad OTEL_TRACES_SAMPLER_ARG)', tracingFromEnv({ OTEL_TRACES_SAMPLER_ARG: 'half' }), /sampleRatio/],
    ['both exporters', { runtime: true, otlp: { endpoint: 'http://c' } }, /either otlp export or the runtime/],
  ])('%s', (_case, tracing, reason) => {
    expect(() => createGateway({ ...workersConfig(), tracing })).toThrow(reason)
  })
})
