/**
 * The AsyncAPI 3.0 document of one service's events, built from the catalogue: the
 * queues it sends to and the one it receives from, each event as a message whose payload
 * is the CloudEvents envelope with that type's `data` schema. Served beside the OpenAPI
 * document, at `/<service>/asyncapi.json`.
 */
import { z } from '@hono/zod-openapi'
import { DATA_VERSION, EVENTS, queueName, subscriptionsOf, type EventService, type EventType } from './catalog'

const envelopeSchema = (type: EventType) => ({
  type: 'object',
  required: ['specversion', 'id', 'type', 'source', 'time', 'datacontenttype', 'dataversion', 'data'],
  properties: {
    specversion: { const: '1.0' },
    id: { type: 'string', description: 'Unique per event; consumers deduplicate on it' },
    type: { const: type },
    source: { const: `/switchyard/${EVENTS[type].producer}` },
    subject: { type: 'string', examples: ['orders/42'] },
    time: { type: 'string', format: 'date-time' },
    datacontenttype: { const: 'application/json' },
    dataversion: { const: DATA_VERSION, description: 'Version of the data schema' },
    traceparent: { type: 'string', description: 'W3C Trace Context of the create span' },
    tracestate: { type: 'string' },
    data: z.toJSONSchema(EVENTS[type].data, { target: 'draft-2020-12' }),
  },
})

export function asyncApiDocument(service: EventService): Record<string, unknown> {
  const produced = (Object.keys(EVENTS) as EventType[]).filter((t) => EVENTS[t].producer === service)
  const consumed = subscriptionsOf(service)
  const channels: Record<string, unknown> = {}
  const operations: Record<string, unknown> = {}
  const messages: Record<string, unknown> = {}
  const channel = (queue: string, types: EventType[]) => {
    const existing = channels[queue] as { messages: Record<string, unknown> } | undefined
    const refs = Object.fromEntries(types.map((t) => [t, { $ref: `#/components/messages/${t}` }]))
    channels[queue] = { address: queue, messages: { ...existing?.messages, ...refs } }
  }
  for (const type of [...produced, ...consumed]) {
    messages[type] = {
      name: type,
      title: type,
      summary: EVENTS[type].summary,
      contentType: 'application/json',
      payload: envelopeSchema(type),
    }
  }
  for (const type of produced) {
    for (const subscriber of EVENTS[type].subscribers) {
      const queue = queueName(subscriber)
      channel(queue, [type])
      operations[`send${type}To${subscriber[0]!.toUpperCase()}${subscriber.slice(1)}`] = {
        action: 'send',
        channel: { $ref: `#/channels/${queue}` },
        messages: [{ $ref: `#/channels/${queue}/messages/${type}` }],
      }
    }
  }
  const own = queueName(service)
  if (consumed.length > 0) {
    channel(own, consumed)
    for (const type of consumed) {
      operations[`receive${type}`] = {
        action: 'receive',
        channel: { $ref: `#/channels/${own}` },
        messages: [{ $ref: `#/channels/${own}/messages/${type}` }],
      }
    }
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: `Switchyard ${service} events`,
      version: '1.0.0',
      description:
        'Events of the order saga as CloudEvents 1.0 (JSON). Delivery is at least once; consumers deduplicate by `id`. ' +
        'One queue per subscriber: an event is sent to every subscriber’s queue.',
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages },
  }
}
