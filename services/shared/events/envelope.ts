/**
 * The event envelope: CloudEvents 1.0 attribute names (JSON event format), with
 * `dataversion` (the version of `data`'s schema) and the W3C trace context of the
 * Distributed Tracing extension (`traceparent`, `tracestate`).
 *
 * @example
 * ```json
 * { "specversion": "1.0", "id": "4f0c…", "type": "OrderPlaced", "source": "/switchyard/orders",
 *   "subject": "orders/42", "time": "2026-12-06T08:00:00.000Z", "datacontenttype": "application/json",
 *   "dataversion": "1", "traceparent": "00-…-…-01", "data": { "order_id": 42, … } }
 * ```
 */
import { z } from '@hono/zod-openapi'

export const Envelope = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(128),
  type: z.string().min(1).max(64),
  source: z.string().min(1).max(256),
  subject: z.string().min(1).max(256).optional(),
  time: z.iso.datetime(),
  datacontenttype: z.literal('application/json'),
  dataversion: z.string().regex(/^[1-9][0-9]{0,3}$/),
  traceparent: z.string().max(55).optional(),
  tracestate: z.string().max(512).optional(),
  data: z.unknown(),
})
export type Envelope<D = unknown> = Omit<z.infer<typeof Envelope>, 'data'> & { data: D }

/** A new envelope; the trace context is added when it is written to the outbox. */
export function envelope<D>(service: string, type: string, version: string, subject: string, data: D): Envelope<D> {
  return {
    specversion: '1.0',
    id: crypto.randomUUID(),
    type,
    source: `/switchyard/${service}`,
    subject,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    dataversion: version,
    data,
  }
}
