// The span exporter's POST against a real loopback receiver whose answers each test
// scripts: which answers are retried, and that a refused export rejects.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { postOtlpJson } from '../../wire/tracing/exporter'

interface Received {
  headers: IncomingHttpHeaders
  body: string
}

let server: Server | undefined

/** A receiver answering the nth POST with `answers[n]` (the last one repeats). */
async function receiver(answers: { status: number; headers?: Record<string, string> }[]) {
  const received: Received[] = []
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      received.push({ headers: req.headers, body })
      const answer = answers[Math.min(received.length - 1, answers.length - 1)]!
      res.writeHead(answer.status, answer.headers).end('{}')
    })
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { endpoint: `http://127.0.0.1:${port}/v1/traces`, received }
}

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve))
  server = undefined
})

describe('OTLP/JSON export POST', () => {
  it('retries a 503 (after its Retry-After) and succeeds on the next answer, same body and headers', async () => {
    const { endpoint, received } = await receiver([{ status: 503, headers: { 'retry-after': '0' } }, { status: 200 }])
    await postOtlpJson({ endpoint, headers: { 'x-api-key': 'k' }, timeoutMs: 5000 }, '{"resourceSpans":[]}')
    expect(received).toHaveLength(2)
    for (const r of received) {
      expect(r.body).toBe('{"resourceSpans":[]}')
      expect(r.headers).toMatchObject({ 'content-type': 'application/json', 'x-api-key': 'k' })
    }
  })

  it('gives up after five retries of a retryable answer', async () => {
    const { endpoint, received } = await receiver([{ status: 429, headers: { 'retry-after': '0' } }])
    await expect(postOtlpJson({ endpoint, timeoutMs: 5000 }, '{}')).rejects.toThrow('OTLP receiver answered 429')
    expect(received).toHaveLength(6)
  })

  it('does not retry an answer that retrying cannot change', async () => {
    const { endpoint, received } = await receiver([{ status: 400 }, { status: 200 }])
    await expect(postOtlpJson({ endpoint, timeoutMs: 5000 }, '{}')).rejects.toThrow('OTLP receiver answered 400')
    expect(received).toHaveLength(1)
  })

  it('does not wait past its timeout for a retry', async () => {
    const { endpoint, received } = await receiver([{ status: 503, headers: { 'retry-after': '60' } }, { status: 200 }])
    await expect(postOtlpJson({ endpoint, timeoutMs: 5000 }, '{}')).rejects.toThrow('OTLP receiver answered 503')
    expect(received).toHaveLength(1)
  })
})
