// vitest globalSetup (runs in Node, not workerd): a local OTLP receiver for the whole
// run. Its URL reaches the origins as OTEL_EXPORTER_OTLP_ENDPOINT and the test Worker
// as OTLP_RECEIVER_URL (see vitest.config.ts); the gateway itself exports only where a
// test configures it to.
// @ts-expect-error plain ESM script shared with dev tooling
import { startOtlpReceiver } from '../../scripts/otlp-receiver.mjs'

interface SetupProject {
  provide: (key: string, value: unknown) => void
}

export default async function setup(project: SetupProject): Promise<() => Promise<void>> {
  const receiver = (await startOtlpReceiver()) as { url: string; close: () => Promise<void> }
  project.provide('otlpReceiverUrl', receiver.url)
  return () => receiver.close()
}
