/**
 * Breyta's newer top-level keys, so a flow written for Breyta runs here (see README, "Flows
 * written for Breyta"): `:schedules` and `:interfaces` become the same triggers as `:triggers`
 * (schedule, manual, webhook), and `:invocations` declares the run inputs a run must carry.
 */
import {Keyword, type EdnMap, type Value} from '../edn/values.js'
import type {Path, Problems} from './problems.js'
import {describe, get, nameOf} from './schema.js'
import {checkSchedule, checkWebhook, vectorOfMaps} from './sections.js'
import type {Trigger} from './types.js'

const SCHEDULE_ID = /^[a-zA-Z][a-zA-Z0-9_-]{0,127}$/

/** `:schedules [{:id :daily :cron "0 9 * * 1-5" :timezone "UTC" :enabled true :input {…}}]`. */
export function checkSchedules(problems: Problems, v: Value | undefined): Trigger[] {
  const out: Trigger[] = []
  for (const [m, at] of vectorOfMaps(problems, ['schedules'], v, 'schedule')) {
    const id = nameOf(get(m, 'id'))
    if (id !== undefined && !SCHEDULE_ID.test(id)) problems.add([...at, 'id'], `schedule id "${id}" must match ${SCHEDULE_ID.source}`)
    const trigger = checkSchedule(problems, at, m)
    if (enabled(problems, at, m)) out.push(trigger)
  }
  return out
}

/** `:interfaces {:manual [{:id :run}] :webhook [{:id :orders :enabled true :auth {:secret :hook}}]}`. */
export function checkInterfaces(problems: Problems, v: Value | undefined): Trigger[] {
  if (v === undefined) return []
  const at: Path = ['interfaces']
  if (!(v instanceof Map)) {
    problems.add(at, `must be a map like {:manual [{:id :run}] :webhook [{:id :orders}]}, not ${describe(v)}`)
    return []
  }
  const out: Trigger[] = []
  for (const [k, entries] of v) {
    const kind = k instanceof Keyword ? k.name : String(k)
    out.push(...interfacesOfKind(problems, [...at, kind], kind, entries))
  }
  return out
}

/** The triggers of one `:interfaces` entry (`:manual [...]`, `:webhook [...]`). */
function interfacesOfKind(problems: Problems, here: Path, kind: string, entries: Value): Trigger[] {
  const out: Trigger[] = []
  if (kind === 'manual') {
    for (const [m, mAt] of vectorOfMaps(problems, here, entries, 'manual interface')) if (enabled(problems, mAt, m)) out.push({type: 'manual'})
  } else if (kind === 'webhook') {
    for (const [m, mAt] of vectorOfMaps(problems, here, entries, 'webhook interface')) {
      const trigger = checkWebhook(problems, mAt, webhookShape(m))
      if (enabled(problems, mAt, m)) out.push(trigger)
    }
  } else if (kind === 'http' || kind === 'mcp') {
    problems.add(here, `:${kind} interfaces are not supported locally (use :manual or :webhook)`)
  } else {
    problems.add(here, `unknown interface :${kind} (use :manual or :webhook)`)
  }
  return out
}

/** Breyta puts the secret under :auth; :secret at the top is the local trigger's shape. */
function webhookShape(m: EdnMap): EdnMap {
  const auth = get(m, 'auth')
  const secret = get(m, 'secret') ?? (auth instanceof Map ? get(auth, 'secret') : undefined)
  const shaped: EdnMap = new Map(m)
  if (secret !== undefined) shaped.set(Keyword.of('secret'), secret)
  return shaped
}

/**
 * `:invocations {:default {:inputs [{:name :order-id :type :text :required true}]}}`: the names
 * of the required inputs (checked when a run starts).
 */
export function checkInvocations(problems: Problems, v: Value | undefined): string[] {
  if (v === undefined) return []
  if (!(v instanceof Map)) {
    problems.add(['invocations'], `must be a map like {:default {:inputs [{:name :order-id :required true}]}}, not ${describe(v)}`)
    return []
  }
  const required: string[] = []
  for (const [k, inv] of v) {
    const at: Path = ['invocations', k instanceof Keyword ? k.name : String(k)]
    if (!(inv instanceof Map)) {
      problems.add(at, `must be a map with :inputs, not ${describe(inv)}`)
      continue
    }
    for (const [m, mAt] of vectorOfMaps(problems, [...at, 'inputs'], get(inv, 'inputs'), 'input')) {
      const name = nameOf(get(m, 'name'))
      if (name === undefined) problems.add([...mAt, 'name'], 'an input needs :name (a keyword like :order-id)')
      else if (get(m, 'required') === true && !required.includes(name)) required.push(name)
    }
  }
  return required
}

/** `:enabled false` leaves the entry out; anything but a boolean is a problem. */
function enabled(problems: Problems, at: Path, m: EdnMap): boolean {
  const e = get(m, 'enabled')
  if (e === undefined) return true
  if (typeof e !== 'boolean') problems.add([...at, 'enabled'], `must be true or false, not ${describe(e)}`)
  return e !== false
}
