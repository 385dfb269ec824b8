/**
 * What the daemon remembers of accepted webhooks (delivery ids, signatures) so a replay starts
 * nothing. One JSON file owned by the one daemon of the workspace; rewritten atomically.
 */
import fs from 'node:fs'
import type {WorkspaceLayout} from './paths.js'
import {readJsonFile, writeSnapshot} from './snapshot.js'
import type {SeenWebhook} from '../types.js'

export type {SeenWebhook} from '../types.js'

export function readSeenWebhooks(layout: WorkspaceLayout): Record<string, SeenWebhook> {
  return readJsonFile<Record<string, SeenWebhook>>(layout.webhookSeen) ?? {}
}

export function writeSeenWebhooks(layout: WorkspaceLayout, seen: Record<string, SeenWebhook>): void {
  fs.mkdirSync(layout.webhooksDir, {recursive: true})
  writeSnapshot(layout.webhookSeen, seen)
}
