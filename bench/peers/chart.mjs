// Draws the results of `npm run bench:peers` as an SVG bar chart: req/s per target,
// one bar per route, labelled with p50/p99. Hand-written SVG: a dozen rects and
// labels do not warrant a charting dependency.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const COLORS = { token: '#3b6fb6', public: '#8fb3e0' }

/** `results`: { meta, rows: [{ target, route, rps, p50, p99 }] } → SVG text. */
export function chartSvg({ meta, rows }) {
  const targets = [...new Set(rows.map((r) => r.target))]
  const routes = [...new Set(rows.map((r) => r.route))]
  const max = Math.max(...rows.map((r) => r.rps), 1)
  const left = 190
  const width = 820
  const barH = 16
  const groupH = routes.length * (barH + 4) + 14
  const top = 58
  const height = top + targets.length * groupH + 40
  const plotW = width - left - 270
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">${esc(meta.title)}</text>`,
    `<text x="12" y="40" fill="#555">${esc(meta.subtitle)}</text>`,
  ]
  targets.forEach((target, i) => {
    const y0 = top + i * groupH
    out.push(`<text x="${left - 8}" y="${y0 + groupH / 2}" text-anchor="end" dominant-baseline="middle">${esc(target)}</text>`)
    routes.forEach((route, j) => {
      const row = rows.find((r) => r.target === target && r.route === route)
      if (!row) return
      const y = y0 + j * (barH + 4)
      const w = Math.max(1, (row.rps / max) * plotW)
      out.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[route] ?? '#999'}"/>`)
      out.push(
        `<text x="${left + w + 6}" y="${y + barH / 2}" dominant-baseline="middle" fill="#222">` +
          `${Math.round(row.rps)} req/s · p50 ${row.p50} ms · p99 ${row.p99} ms</text>`,
      )
    })
  })
  const ly = height - 16
  routes.forEach((route, j) => {
    const x = left + j * 150
    out.push(`<rect x="${x}" y="${ly - 10}" width="12" height="12" fill="${COLORS[route] ?? '#999'}"/>`)
    out.push(`<text x="${x + 18}" y="${ly}">${esc(route)} route</text>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
