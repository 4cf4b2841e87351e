export { metricsConfigSchema, metricsFromEnv, type MetricsConfig, type MetricsConfigInput } from './config'
export { createMetrics, type Metrics, type QueueOperation, type RequestRecord, type UpstreamRecord } from './metrics'
export type { RecentCounts, RecentSnapshot } from './recent'
export { withMetrics } from './upstream'
