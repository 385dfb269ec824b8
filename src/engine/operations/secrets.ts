/**
 * `breyta secrets …` over a workspace. Values go in and never come out: set returns the name
 * and whether an env variable shadows the file, list returns names and sources only.
 */
import {BreytaError} from '../errors.js'
import {secretEnvName} from '../shared/secret-names.js'
import type {SecretListing} from '../store/types.js'
import type {Workspace} from '../workspace/workspace.js'
import type {Page} from './listing.js'
import {assertRedactable} from '../runtime/redact.js'

export type {SecretListing}

export interface SecretSetResult {
  name: string
  source: 'file'
  /** True when BREYTA_SECRET_<NAME> is set: that value wins over the one just stored. */
  'overridden-by-env': boolean
  'env-var': string
}

export async function setSecretValue(ws: Workspace, name: string, value: string, env: NodeJS.ProcessEnv = {}): Promise<SecretSetResult> {
  if (value === '') throw new BreytaError('invalid_input', `empty value for secret "${name}"`, {hint: 'Pass --value V or pipe the value on stdin.'})
  assertRedactable(name, value)
  await ws.local.setSecret(name, value)
  const envVar = secretEnvName(name)
  return {name, source: 'file', 'overridden-by-env': env[envVar] !== undefined, 'env-var': envVar}
}

export async function listSecrets(ws: Workspace, env: NodeJS.ProcessEnv = {}): Promise<Page<SecretListing>> {
  return {items: await ws.local.listSecretNames(env), next: null}
}
