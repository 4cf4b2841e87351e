import { parseTemplate, type Template } from './template'
import type { CompletenessMode, CompositeSpec, PartSpec } from './types'

export const DEFAULT_DEADLINE_MS = 3000
/** Keys the merged body uses itself, so no part may take them. */
const RESERVED = new Set(['errors', 'sub'])
const PART_NAME = /^[a-z][a-z0-9_]{0,63}$/

export interface CompiledPart {
  name: string
  spec: PartSpec
  template: Template
  /** Parts whose results this part's template reads. */
  dependsOn: string[]
  required: boolean
  timeoutMs: number
}

export interface CompiledComposite {
  path: string
  mode: CompletenessMode
  deadlineMs: number
  /** In declaration order (the order of keys in the merged body). */
  parts: CompiledPart[]
  /** Parts grouped by dependency depth: every part of a stage starts together. */
  stages: CompiledPart[][]
  /** Some template reads `{sub}`: the composite needs a verified caller. */
  usesCaller: boolean
}

/**
 * Checks a composite and orders its parts into stages. Throws one error naming the
 * composite and the problem, at gateway start-up. Services are not checked here: like
 * a proxied route, a part whose service this deployment lacks fails when called (502).
 */
export function compileComposite(spec: CompositeSpec): CompiledComposite {
  const fail = (message: string): never => {
    throw new Error(`composite ${spec.path}: ${message}`)
  }
  const params = new Set([...spec.path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))
  const names = Object.keys(spec.parts)
  if (names.length === 0) fail('has no parts')
  const deadlineMs = spec.deadlineMs ?? DEFAULT_DEADLINE_MS
  if (!Number.isInteger(deadlineMs) || deadlineMs <= 0) fail('deadlineMs must be a positive integer')

  const parts = names.map((name): CompiledPart => {
    const part = spec.parts[name]!
    if (!PART_NAME.test(name) || RESERVED.has(name) || params.has(name)) fail(`part name "${name}" is not allowed`)
    const timeoutMs = part.timeoutMs ?? deadlineMs
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) fail(`part ${name}: timeoutMs must be a positive integer`)
    let template: Template
    try {
      template = parseTemplate(part.path)
    } catch (err) {
      return fail(`part ${name}: ${(err as Error).message}`)
    }
    const dependsOn = new Set<string>()
    for (const ref of template.refs) {
      if (ref.root === name) fail(`part ${name}: reads its own result`)
      if (spec.parts[ref.root]) dependsOn.add(ref.root)
      else if (ref.root !== 'sub' && !params.has(ref.root)) fail(`part ${name}: unknown placeholder {${ref.raw}}`)
      else if (ref.path.length > 0) fail(`part ${name}: {${ref.raw}} has no fields`)
    }
    return {
      name,
      spec: part,
      template,
      dependsOn: [...dependsOn],
      required: part.required ?? false,
      timeoutMs: Math.min(timeoutMs, deadlineMs),
    }
  })

  return {
    path: spec.path,
    mode: spec.mode ?? 'partial',
    deadlineMs,
    parts,
    stages: toStages(parts, fail),
    usesCaller: parts.some((p) => p.template.refs.some((r) => r.root === 'sub')),
  }
}

/** Kahn's algorithm by levels: a stage holds every part whose dependencies ran before it. */
function toStages(parts: CompiledPart[], fail: (message: string) => never): CompiledPart[][] {
  const stages: CompiledPart[][] = []
  const done = new Set<string>()
  let pending = parts
  while (pending.length > 0) {
    const ready = pending.filter((p) => p.dependsOn.every((d) => done.has(d)))
    if (ready.length === 0) fail(`parts ${pending.map((p) => p.name).join(', ')} depend on each other`)
    stages.push(ready)
    ready.forEach((p) => done.add(p.name))
    pending = pending.filter((p) => !done.has(p.name))
  }
  return stages
}
