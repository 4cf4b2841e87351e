import type { Handler } from 'hono'
import { html } from 'hono/html'
import type { GatewayConfig } from '../config/schema'
import { prefersHtml } from '../status/status'
import type { GatewayEnv } from '../types'

/** Where to go from the gateway's root: a small index, HTML for browsers and JSON otherwise. */
export function homeHandler(config: GatewayConfig): Handler<GatewayEnv> {
  const { supported, default: defaultVersion } = config.versions
  const index = {
    name: 'Switchyard',
    gateway: config.name,
    versions: { supported, default: defaultVersion },
    links: {
      docs: { href: '/docs', title: 'API reference (Swagger UI)' },
      openapi: { href: '/openapi.json', title: 'OpenAPI 3.1 document' },
      api: { href: `/api/${defaultVersion}`, title: 'The API, default version' },
      health_live: { href: '/health/live', title: 'Liveness' },
      health_ready: { href: '/health/ready', title: 'Readiness of every origin' },
      status: { href: '/status', title: 'Status page (operators: admin role)' },
    },
  }
  return (c) => {
    if (!prefersHtml(c)) return c.json(index)
    return c.html(
      html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard ${config.name}</title>
<style>:root{color-scheme:light dark;font-family:system-ui,sans-serif}body{max-width:40rem;margin:2rem auto;padding:0 1rem}li{margin:.3rem 0}</style>
</head><body>
<h1>Switchyard ${config.name}</h1>
<p>Edge API gateway. Versions ${supported.join(', ')}; default ${defaultVersion}.</p>
<ul>${Object.values(index.links).map((l) => html`<li><a href="${l.href}">${l.href}</a> — ${l.title}</li>`)}</ul>
</body></html>`,
      200,
      { 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'", Vary: 'Accept' },
    )
  }
}
