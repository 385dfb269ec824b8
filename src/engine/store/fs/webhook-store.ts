/**
 * What the daemon remembers of accepted webhooks (delivery ids, signatures) so a replay starts
 * nothing. One JSON file owned by the one daemon of the workspace; rewritten atomically.
 */
import fs from 'node:fs'
import type {WorkspaceLayout} from './paths.js'
import {readJsonFile, writeSnapshot} from './snapshot.js'

export interface SeenWebhook {
  /** The run the first delivery started. */
  run: string
  /** Epoch ms after which the entry is forgotten. */
  until: number
}

export function readSeenWebhooks(layout: WorkspaceLayout): Record<string, SeenWebhook> {
  return readJsonFile<Record<string, SeenWebhook>>(layout.webhookSeen) ?? {}
}

export function writeSeenWebhooks(layout: WorkspaceLayout, seen: Record<string, SeenWebhook>): void {
  fs.mkdirSync(layout.webhooksDir, {recursive: true})
  writeSnapshot(layout.webhookSeen, seen)
}
