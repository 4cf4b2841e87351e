/** Readers for streamed answers in tests: SSE events one at a time, WebSocket messages and closes. */

export interface SseEvent {
  event?: string
  id?: string
  data: string
}

/** Reads a `text/event-stream` body event by event, as the bytes arrive. */
export function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  return {
    /** The next event; undefined when the stream ended first. */
    async next(): Promise<SseEvent | undefined> {
      for (;;) {
        const end = buffer.search(/\r?\n\r?\n/)
        if (end >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '')
          const event: SseEvent = { data: '' }
          const data: string[] = []
          for (const line of block.split(/\r?\n/)) {
            const [, field, value = ''] = /^([^:]*):? ?(.*)$/.exec(line) ?? []
            if (field === 'data') data.push(value)
            else if (field === 'event') event.event = value
            else if (field === 'id') event.id = value
          }
          if (data.length === 0) continue
          return { ...event, data: data.join('\n') }
        }
        const { value, done } = await reader.read()
        if (done) return undefined
        buffer += value
      }
    },
    cancel: () => reader.cancel(),
  }
}

/** Messages and the close of a WebSocket, awaited in order. */
export function socketInbox(ws: WebSocket) {
  const messages: string[] = []
  const waiting: ((m: string) => void)[] = []
  let closed: Promise<CloseEvent>
  closed = new Promise((resolve) => ws.addEventListener('close', resolve))
  ws.addEventListener('message', (event) => {
    const text = typeof event.data === 'string' ? event.data : new TextDecoder().decode(event.data as ArrayBuffer)
    const waiter = waiting.shift()
    if (waiter) waiter(text)
    else messages.push(text)
  })
  return {
    next: (): Promise<string> => (messages.length > 0 ? Promise.resolve(messages.shift()!) : new Promise((resolve) => waiting.push(resolve))),
    closed: () => closed,
  }
}
