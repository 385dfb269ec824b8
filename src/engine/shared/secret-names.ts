/** How a secret is named in the environment (SPEC §4): shared by the store, the runtime and the redactor. */

export const SECRET_ENV_PREFIX = 'BREYTA_SECRET_'

/** `gh-token` → `BREYTA_SECRET_GH_TOKEN` (upper-cased, `-` as `_`; SPEC §4). */
export function secretEnvName(name: string): string {
  return SECRET_ENV_PREFIX + name.toUpperCase().replace(/-/g, '_')
}

/** Every BREYTA_SECRET_* value of an environment (redacted wherever they could show). */
export function envSecretValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([k, v]) => k.startsWith(SECRET_ENV_PREFIX) && v !== undefined && v !== '')
    .map(([, v]) => v!)
}
