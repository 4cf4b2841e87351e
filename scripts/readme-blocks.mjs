// Reads README.md's shell blocks into statements and the HTTP statuses the README states
// for them (the convention is in scripts/check-readme.mjs). Pure: no I/O but the read.
import { readFileSync } from 'node:fs'

/** A fence line: ```sh / ```bash opens a checked block; a bare ``` closes any. */
const FENCE = /^\s*```(\w*)\s*$/
/** The marker on the line before a fence that leaves the block out, with its reason. */
const SKIP = /^<!--\s*readme-check:\s*skip\b(.*?)-->\s*$/

/**
 * Splits one line of shell into its code and its trailing comment, carrying quote state
 * across lines (a quoted string may span lines). `#` starts a comment only at the start of
 * a word outside quotes, as in sh.
 */
function scan(line, state) {
  let quote = state.quote
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quote === "'") {
      if (ch === "'") quote = ''
    } else if (quote === '"') {
      if (ch === '\\') i++
      else if (ch === '"') quote = ''
    } else if (ch === '\\') i++
    else if (ch === "'" || ch === '"') quote = ch
    else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return { code: line.slice(0, i), comment: line.slice(i + 1).trim(), quote }
    }
  }
  return { code: line, comment: undefined, quote }
}

/**
 * The statuses a comment states, or undefined. A comment states them when it starts with
 * them — `# 403 insufficient_scope`, `# HTTP/1.1 201 Created …`, a sequence
 * `# 503 503 503 503 503 503` where `…` repeats the code before it any number of times —
 * or ends a line of output with `(HTTP 404)`.
 */
export function statedStatuses(comment) {
  const http = /^HTTP\/[\d.]+ (\d{3})\b/.exec(comment)
  if (http) return [http[1]]
  const lead = /^((?:[1-5]\d\d|…)(?:\s+(?:[1-5]\d\d|…))*)(?=$|[\s:,;.)])/.exec(comment)
  if (lead && /\d/.test(lead[1].split(/\s+/)[0])) return lead[1].split(/\s+/)
  const trailing = /\(HTTP (\d{3})\)/.exec(comment)
  if (trailing) return [trailing[1]]
  return undefined
}

/**
 * The README's shell blocks in order: { heading, line, skip, statements }, each statement
 * { line, text, expect, exit, parallel }: expect is the stated sequence (undefined: every
 * call 2xx), exit the stated exit status (`… exits 56`, else 0).
 */
export function readmeBlocks(file) {
  const lines = readFileSync(file, 'utf8').split('\n')
  const blocks = []
  let heading = ''
  for (let i = 0; i < lines.length; i++) {
    const h = /^#{1,6}\s+(.*)$/.exec(lines[i])
    if (h) heading = h[1]
    const fence = FENCE.exec(lines[i])
    if (!fence) continue
    const end = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l))
    if (end < 0) throw new Error(`README.md:${i + 1}: unclosed code fence`)
    if (fence[1] === 'sh' || fence[1] === 'bash') {
      const skip = SKIP.exec(lines[i - 1] ?? '')
      blocks.push({ heading, line: i + 1, skip: skip ? skip[1].replace(/^[\s:—-]+/, '').trim() || 'marked skip' : undefined, statements: statements(lines.slice(i + 1, end), i + 2) })
    }
    i = end
  }
  return blocks
}

/** One block's lines as statements: a line, its `\` continuations and open quotes, then the comment lines right under it. */
function statements(lines, firstLine) {
  const out = []
  let current
  let state = { quote: '' }
  for (let k = 0; k < lines.length; k++) {
    const raw = lines[k]
    if (current?.open) {
      current.text += `\n${raw}`
      const s = scan(raw, state)
      state = s
      if (s.comment !== undefined) current.comments.push(s.comment)
      current.open = s.quote !== '' || /\\\s*$/.test(s.code)
      continue
    }
    if (raw.trim() === '') {
      current = undefined
      continue
    }
    if (/^\s*#/.test(raw)) {
      if (current) current.comments.push(raw.replace(/^\s*#\s?/, '').trim())
      continue
    }
    const s = scan(raw, { quote: '' })
    state = s
    current = { line: firstLine + k, text: raw, comments: s.comment !== undefined ? [s.comment] : [], open: s.quote !== '' || /\\\s*$/.test(s.code) }
    out.push(current)
  }
  return out.map(({ line, text, comments }) => ({
    line,
    text,
    expect: comments.map(statedStatuses).find(Boolean),
    exit: Number(comments.map((c) => /\bexits (\d+)\b/.exec(c)?.[1]).find(Boolean) ?? 0),
    // Parallel transfers (-Z) answer in any order: compared sorted.
    parallel: /\s(-Z|--parallel|-\w*Z\w*)\s/.test(` ${text} `),
  }))
}

/** Whether observed statuses match the stated sequence (`…` repeats the code before it). */
export function matches(expect, observed) {
  if (!expect) return observed.every((s) => s >= 200 && s < 300)
  const pattern = expect.map((t, i) => (t === '…' ? (i > 0 ? `(?:${expect[i - 1]} )*` : '(?:\\d{3} )*') : `${t} `)).join('')
  if (new RegExp(`^${pattern}$`).test(observed.map((s) => `${s} `).join(''))) return true
  // One stated status for a statement with several calls (a token fetched inline): the last.
  return expect.length === 1 && observed.length > 1 && String(observed.at(-1)) === expect[0] && observed.slice(0, -1).every((s) => s >= 200 && s < 300)
}
