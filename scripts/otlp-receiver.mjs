// A local OTLP/HTTP receiver: accepts `POST /v1/traces` and `POST /v1/metrics` in
// OTLP/JSON (what the gateway's exporters and Deno with OTEL_EXPORTER_OTLP_PROTOCOL=http/json
// send), decodes them and keeps spans and metric points in memory. Tests read them back;
// run alone it prints them.
//
//   node scripts/otlp-receiver.mjs [port]      # then OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318
//
//   GET    /spans[?trace_id=…]   decoded spans, oldest first
//   GET    /metrics[?name=…]     decoded metric points, oldest first (one per point per export;
//                                `export` numbers the POST each came in, from 1)
//   GET    /exports             one entry per trace POST: headers, span count, trace ids, services
//   DELETE /spans               forget everything (spans and metrics)
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'

const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER']
const STATUS = ['UNSET', 'OK', 'ERROR']

/** OTLP/JSON AnyValue → plain JSON value (int64 arrives as a string). */
function anyValue(v = {}) {
  if ('stringValue' in v) return v.stringValue
  if ('boolValue' in v) return v.boolValue
  if ('intValue' in v) return Number(v.intValue)
  if ('doubleValue' in v) return v.doubleValue
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(anyValue)
  if ('kvlistValue' in v) return attributes(v.kvlistValue.values)
  if ('bytesValue' in v) return v.bytesValue
  return null
}

const attributes = (list = []) => Object.fromEntries(list.map((kv) => [kv.key, anyValue(kv.value)]))

/** Enums may arrive as numbers or as their names (`SPAN_KIND_SERVER`). */
const enumName = (value, names, prefix) =>
  typeof value === 'number' ? names[value] ?? String(value) : String(value ?? names[0]).replace(prefix, '')

/** Flattens an ExportTraceServiceRequest into one record per span. */
export function decodeTraces(body) {
  const spans = []
  for (const rs of body.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes)
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          service: resource['service.name'],
          scope: ss.scope?.name,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId || undefined,
          traceState: s.traceState || undefined,
          flags: s.flags,
          name: s.name,
          kind: enumName(s.kind, KINDS, 'SPAN_KIND_'),
          startNs: String(s.startTimeUnixNano),
          endNs: String(s.endTimeUnixNano),
          attributes: attributes(s.attributes),
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attributes(e.attributes) })),
          status: enumName(s.status?.code, STATUS, 'STATUS_CODE_'),
        })
      }
    }
  }
  return spans
}

const TEMPORALITY = ['UNSPECIFIED', 'DELTA', 'CUMULATIVE']

/** OTLP/JSON number point: `asInt` arrives as a string (int64), `asDouble` as a number. */
const pointValue = (p) => ('asInt' in p ? Number(p.asInt) : 'asDouble' in p ? p.asDouble : null)

/** Flattens an ExportMetricsServiceRequest into one record per data point. */
export function decodeMetrics(body) {
  const points = []
  for (const rm of body.resourceMetrics ?? []) {
    const resource = attributes(rm.resource?.attributes)
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const base = { service: resource['service.name'], instance: resource['service.instance.id'], scope: sm.scope?.name, name: m.name, unit: m.unit || undefined }
        const data = m.sum ?? m.gauge ?? m.histogram ?? m.exponentialHistogram ?? m.summary ?? {}
        const kind = m.sum ? 'sum' : m.gauge ? 'gauge' : m.histogram ? 'histogram' : m.exponentialHistogram ? 'exponentialHistogram' : 'summary'
        const temporality = data.aggregationTemporality === undefined ? undefined : enumName(data.aggregationTemporality, TEMPORALITY, 'AGGREGATION_TEMPORALITY_')
        for (const p of data.dataPoints ?? []) {
          const point = { ...base, kind, temporality, attributes: attributes(p.attributes), startNs: String(p.startTimeUnixNano), timeNs: String(p.timeUnixNano) }
          if (kind === 'histogram') {
            points.push({
              ...point,
              count: Number(p.count),
              sum: p.sum,
              min: p.min,
              max: p.max,
              bounds: p.explicitBounds ?? [],
              buckets: (p.bucketCounts ?? []).map(Number),
            })
          } else if (kind === 'sum' || kind === 'gauge') {
            points.push({ ...point, value: pointValue(p) })
          } else {
            points.push({ ...point, count: Number(p.count ?? 0), sum: p.sum })
          }
        }
      }
    }
  }
  return points
}

/** One line per point: `name {attributes} value` or `count=… sum=… avg=…` for a histogram. */
export function formatMetricPoint(p) {
  const attrs = Object.entries(p.attributes).map(([k, v]) => `${k}=${v}`).join(' ')
  const head = `${String(p.service).padEnd(20)} ${p.name} {${attrs}}`
  if (p.kind === 'histogram') {
    const scale = p.unit === 's' ? 1000 : 1
    const unit = p.unit === 's' ? 'ms' : p.unit ?? ''
    const avg = p.count ? ((p.sum * scale) / p.count).toFixed(2) : '-'
    return `${head} count=${p.count} avg=${avg}${unit} max=${p.max === undefined ? '-' : (p.max * scale).toFixed(2)}${unit}`
  }
  return `${head} ${p.value}${p.temporality ? ` (${p.temporality.toLowerCase()})` : ''}`
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/** Starts the receiver on a loopback port; `onSpans` and `onMetrics` see each decoded batch. */
export function startOtlpReceiver({ port = 0, host = '127.0.0.1', onSpans, onMetrics } = {}) {
  let spans = []
  let metrics = []
  let metricExports = 0
  let exports = []
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://receiver')
    try {
      if (req.method === 'POST' && url.pathname === '/v1/traces') {
        const type = req.headers['content-type'] ?? ''
        const raw = await readBody(req)
        if (!type.startsWith('application/json')) return send(res, 415, { error: `OTLP/JSON only, got ${type}` })
        const batch = decodeTraces(JSON.parse(raw.toString('utf8')))
        spans.push(...batch)
        exports.push({
          headers: req.headers,
          spans: batch.length,
          traceIds: [...new Set(batch.map((s) => s.traceId))],
          services: [...new Set(batch.map((s) => s.service))],
        })
        onSpans?.(batch)
        return send(res, 200, { partialSuccess: {} })
      }
      if (req.method === 'POST' && url.pathname === '/v1/metrics') {
        const type = req.headers['content-type'] ?? ''
        const raw = await readBody(req)
        // Deno's OTEL_DENO mode may send protobuf: accepted, not kept.
        if (!type.startsWith('application/json')) return send(res, 200, { partialSuccess: {} })
        // Exports made in one millisecond share their timestamps: the number tells them apart.
        const exportNo = ++metricExports
        const batch = decodeMetrics(JSON.parse(raw.toString('utf8'))).map((p) => ({ ...p, export: exportNo }))
        metrics.push(...batch)
        onMetrics?.(batch)
        return send(res, 200, { partialSuccess: {} })
      }
      // Deno's OTEL_DENO mode also sends logs: accepted, not kept.
      if (req.method === 'POST' && url.pathname === '/v1/logs') {
        await readBody(req)
        return send(res, 200, { partialSuccess: {} })
      }
      if (req.method === 'GET' && url.pathname === '/spans') {
        const traceId = url.searchParams.get('trace_id')
        return send(res, 200, traceId ? spans.filter((s) => s.traceId === traceId) : spans)
      }
      if (req.method === 'GET' && url.pathname === '/metrics') {
        const name = url.searchParams.get('name')
        return send(res, 200, name ? metrics.filter((m) => m.name === name) : metrics)
      }
      if (req.method === 'GET' && url.pathname === '/exports') return send(res, 200, exports)
      if (req.method === 'DELETE' && url.pathname === '/spans') {
        spans = []
        metrics = []
        exports = []
        return send(res, 200, {})
      }
      send(res, 404, { error: 'not found' })
    } catch (err) {
      send(res, 400, { error: String(err) })
    }
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      const { port: bound } = server.address()
      resolve({
        url: `http://${host}:${bound}`,
        spans: () => spans,
        metrics: () => metrics,
        close: () => new Promise((done) => server.close(() => done())),
      })
    })
  })
}

// Run alone: print each span and metric point as it arrives.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 4318)
  const receiver = await startOtlpReceiver({
    port,
    onSpans: (batch) => {
      for (const s of batch) {
        const ms = (Number(BigInt(s.endNs) - BigInt(s.startNs)) / 1e6).toFixed(2)
        console.log(
          `${s.traceId} ${s.spanId} ← ${s.parentSpanId ?? '(root)'.padEnd(16)} ${String(s.service).padEnd(20)} ` +
            `${s.kind.padEnd(6)} ${s.name} ${ms} ms ${JSON.stringify(s.attributes)}`,
        )
      }
    },
    onMetrics: (batch) => {
      for (const p of batch) console.log(formatMetricPoint(p))
    },
  })
  console.log(`OTLP/HTTP receiver on ${receiver.url} (JSON): /v1/traces, /v1/metrics`)
}
