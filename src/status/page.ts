import { html, raw } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'
import type { RecentCounts } from '../metrics'
import type { StatusReport } from './status'

type Html = HtmlEscapedString | Promise<HtmlEscapedString>

const percent = (r: RecentCounts) => (r.requests ? `${(r.error_rate * 100).toFixed(1)} %` : '–')

const badge = (text: string, tone: 'ok' | 'warn' | 'bad' | 'idle') => html`<span class="badge ${tone}">${text}</span>`

const breakerTone = (state: string) => (state === 'closed' ? 'ok' : state === 'half-open' ? 'warn' : 'bad')

/** The status report as one self-contained HTML page: inline CSS, no script, no external asset. */
export function statusPage(report: StatusReport): Html {
  const services = Object.entries(report.services)
  const routes = Object.entries(report.routes)
  const rl = report.rate_limit
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard status — ${report.gateway}</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<header>
  <h1>Switchyard ${report.gateway} ${badge(report.status, report.status === 'ok' ? 'ok' : 'bad')}</h1>
  <p>As this gateway isolate sees it at <time>${report.generated_at}</time>; traffic of the last ${report.window_s} s.
  Metrics export: <strong id="metrics-export">${report.metrics_export}</strong>. Also as <a href="/status.json">JSON</a>.</p>
</header>
<main>
<section>
<h2>Services</h2>
<table id="services">
<thead><tr><th>Service</th><th>Ready</th><th>Breaker</th><th>Instances</th><th>Retry budget</th><th>Requests</th><th>Errors</th><th>Error rate</th><th>Probe</th></tr></thead>
<tbody>
${services.map(
  ([name, s]) => html`<tr data-service="${name}">
  <th scope="row">${name}${s.required ? '' : html` <small>(optional)</small>`}</th>
  <td class="ready">${badge(s.status, s.status === 'ok' ? 'ok' : 'bad')}${s.error ? html`<br><small>${s.error}</small>` : ''}</td>
  <td class="breaker">${s.breaker ? badge(s.breaker.state, breakerTone(s.breaker.state)) : '–'}${
    s.breaker?.retry_after_ms !== undefined ? html`<br><small>retry in ${Math.ceil(s.breaker.retry_after_ms / 1000)} s</small>` : ''
  }</td>
  <td class="instances"><ul>${(s.instances ?? []).map(
    (i) => html`<li>${i.id} ${i.ejected ? badge('ejected', 'bad') : ''}<small> ${i.outstanding} in flight · ejected ${i.times_ejected}×</small></li>`,
  )}</ul></td>
  <td class="budget">${s.retry_budget ? html`${s.retry_budget.available} left<br><small>${s.retry_budget.retries} retries / ${s.retry_budget.requests} calls</small>` : '–'}</td>
  <td class="num requests">${s.recent.requests}</td>
  <td class="num errors">${s.recent.errors}</td>
  <td class="num error-rate">${percent(s.recent)}</td>
  <td class="num">${s.http_status ?? '–'} <small>${s.latency_ms} ms</small></td>
</tr>`,
)}
</tbody>
</table>
</section>
<section>
<h2>Rate limiter</h2>
<p id="rate-limit">${
    rl.enabled
      ? html`Store <strong>${rl.store}</strong> ${badge(rl.health ?? 'idle', rl.health === 'degraded' ? 'bad' : rl.health === 'ok' ? 'ok' : 'idle')}
  — last ${report.window_s} s: ${Object.entries(rl.recent ?? {}).map(([k, v]) => html`${k} ${v} · `)}since start: ${rl.totals?.decisions} decisions,
  ${rl.totals?.fail_open} failed open, ${rl.totals?.fail_closed} failed closed.`
      : 'Off: no rate-limit policies are configured.'
  }</p>
</section>
<section>
<h2>Events</h2>
<table id="events">
<thead><tr><th>Service</th><th>Outbox unsent</th><th>Failing sends</th><th>Oldest unsent</th><th>Dead letters pending</th><th>Dead letters total</th></tr></thead>
<tbody>
${Object.entries(report.events).map(([name, e]) =>
  'error' in e
    ? html`<tr data-service="${name}"><th scope="row">${name}</th><td colspan="5">${badge('unknown', 'warn')} <small>${e.error}</small></td></tr>`
    : html`<tr data-service="${name}">
  <th scope="row">${name}</th>
  <td class="num unsent">${e.outbox.unsent}</td>
  <td class="num failing">${e.outbox.failing ? badge(String(e.outbox.failing), 'warn') : '0'}</td>
  <td>${e.outbox.oldest_unsent_at ? html`<time>${e.outbox.oldest_unsent_at}</time>` : '–'}</td>
  <td class="num dead-pending">${e.dead_letters.pending ? badge(String(e.dead_letters.pending), 'bad') : '0'}</td>
  <td class="num dead-total">${e.dead_letters.total}</td>
</tr>`,
)}
</tbody>
</table>
</section>
<section>
<h2>Routes</h2>
${
  routes.length === 0
    ? html`<p>No requests in the last ${report.window_s} s.</p>`
    : html`<table id="routes">
<thead><tr><th>Route</th><th>Requests</th><th>Errors</th><th>Error rate</th></tr></thead>
<tbody>
${routes.map(
  ([route, r]) => html`<tr><th scope="row"><code>${route}</code></th><td class="num">${r.requests}</td><td class="num">${r.errors}</td><td class="num">${percent(r)}</td></tr>`,
)}
</tbody>
</table>`
}
</section>
</main>
</body>
</html>`
}

const STYLE = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0 auto; max-width: 75rem; padding: 1rem 1.5rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .4rem .6rem; border-bottom: 1px solid #8884; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
ul { margin: 0; padding: 0; list-style: none; }
small { opacity: .75; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .85em; font-weight: 600; }
.ok { background: #1a7f3733; } .warn { background: #bf870033; } .bad { background: #cf222e44; } .idle { background: #8883; }
`
