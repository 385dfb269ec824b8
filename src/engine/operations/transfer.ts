/**
 * `breyta runs export RUN` / `runs import FILE` (SPEC §6, §9): one run moved between workspaces
 * or stores as a single JSON document — its journal exactly as recorded, the definition it is
 * pinned to and its resources. The journal is the run, so the copy continues where the original
 * stood: a parked run parks again and its waits take the same callback keys. An import never
 * overwrites: a run id that exists is refused, so importing twice cannot fork a run.
 */
import crypto from 'node:crypto'
import * as z from 'zod'
import {BreytaError} from '../errors.js'
import {codeEvent, kebabEvent} from '../journal/casing.js'
import {lazyValue} from '../lazy.js'
import type {UnsequencedEvent} from '../journal/events.js'
import type {RunView} from '../journal/projection.js'
import {isRunId} from '../store/names.js'
import type {Workspace} from '../workspace/workspace.js'

/** The document's format marker and version: a reader refuses versions it does not know. */
export const EXPORT_FORMAT = 'breyta-run-export'
export const EXPORT_VERSION = 1

/** Built on first use: the operations load for every run command, an import is rare. */
const ExportDocument = lazyValue(() =>
  z.object({
    format: z.literal(EXPORT_FORMAT),
    version: z.literal(EXPORT_VERSION),
    run: z.string(),
    flow: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    definition: z.string(),
    'exported-at': z.string(),
    events: z.array(z.looseObject({type: z.string(), seq: z.number().int().positive(), at: z.string()})).min(1),
    resources: z.array(z.object({name: z.string(), 'content-type': z.string(), base64: z.string()})),
  }),
)
export type RunExport = z.infer<ReturnType<typeof ExportDocument>>

/** The run as one document (its journal as it stands: what is durable, nothing in flight). */
export async function exportRun(ws: Workspace, runId: string): Promise<RunExport> {
  await ws.store.runs.assertExists(runId)
  const {events} = await ws.store.journals.read(runId)
  const created = events[0]
  if (created?.type !== 'run_created')
    throw new BreytaError('journal_corrupt', `run "${runId}" has no run_created event`, {hint: 'The run directory is incomplete; it cannot be exported.'})
  const resources = []
  for (const listing of await ws.store.resources.list({runId})) {
    const r = await ws.store.resources.get(listing.uri)
    resources.push({name: listing.uri.slice(listing.uri.lastIndexOf('/') + 1), 'content-type': r.contentType, base64: r.data.toString('base64')})
  }
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    run: runId,
    flow: created.flow,
    sha256: created.sha256,
    definition: await ws.store.runs.readPinnedFlow(runId),
    'exported-at': new Date().toISOString(),
    events: events.map((e) => kebabEvent(e) as RunExport['events'][number]),
    resources,
  }
}

/** Parse and check an export document before anything is written. */
export function parseRunExport(text: string, source: string): RunExport {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new BreytaError('invalid_input', `${source} is not JSON: ${(err as Error).message}`, {
      hint: 'Pass a file written by `breyta runs export RUN --out FILE`.',
    })
  }
  const parsed = ExportDocument().safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const where = issue.path.length ? ` at ${issue.path.join('.')}` : ''
    throw new BreytaError('invalid_input', `${source} is not a breyta run export${where}: ${issue.message}`, {
      hint: `Pass a file written by \`breyta runs export RUN --out FILE\` (format "${EXPORT_FORMAT}", version ${EXPORT_VERSION}).`,
    })
  }
  const doc = parsed.data
  const bad = (why: string) =>
    new BreytaError('invalid_input', `${source}: ${why}`, {hint: 'The export was changed after it was written; export the run again.'})
  if (!isRunId(doc.run)) throw bad(`"${doc.run}" is not a run id`)
  const sha256 = crypto.createHash('sha256').update(doc.definition).digest('hex')
  if (sha256 !== doc.sha256) throw bad(`the definition hashes to ${sha256}, not to the ${doc.sha256} the run is pinned to`)
  doc.events.forEach((e, i) => {
    if (e.seq !== i + 1) throw bad(`event ${i + 1} has seq ${e.seq}; the journal must be complete and in order`)
  })
  const first = doc.events[0]!
  if (first.type !== 'run_created' || first.run !== doc.run || first.sha256 !== doc.sha256) throw bad("the first event is not this run's run_created")
  return doc
}

/**
 * Write the run into this workspace: resources first, then the journal (its first event creates
 * the run), then the snapshot; a running daemon is told, so a parked run's timers and waits are
 * served at once.
 */
export async function importRun(ws: Workspace, doc: RunExport): Promise<RunView> {
  if (await ws.store.runs.exists(doc.run)) {
    throw new BreytaError('invalid_input', `run "${doc.run}" already exists in this workspace`, {
      hint: `An import never overwrites a run; see it with \`breyta runs show ${doc.run}\`.`,
    })
  }
  for (const r of doc.resources) await ws.store.resources.put(doc.run, Buffer.from(r.base64, 'base64'), {name: r.name, contentType: r['content-type']})
  // The events as the code names them (the document holds the journal's kebab-case form).
  const [created, ...rest] = doc.events.map(({seq: _seq, ...e}) => codeEvent(e) as unknown as UnsequencedEvent)
  await ws.store.runs.create(doc.run, doc.definition, created!)
  if (rest.length) await ws.store.journals.appendAfter(doc.run, await ws.store.journals.read(doc.run), ...rest)
  const view = await ws.store.runs.readView(doc.run)
  await ws.store.runs.writeSnapshot(view)
  await ws.store.signals.signal(doc.run)
  return view
}
