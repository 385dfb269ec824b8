/**
 * What each step family reads from a connection, as one zod schema per connection type. The
 * store checks only what every connection needs (a :type, :auth naming secrets); a field of the
 * wrong kind here reads as absent, as it always has, so the step's own message ("has no
 * :base-url", "missing :host") names it. Each schema is built on its first use: most commands
 * never read a connection.
 */
import * as z from 'zod'
import {lazyValue} from '../lazy.js'
import type {Connection} from '../shared/records.js'

/** A named connection from connections.edn, as plain JSON (keywords as strings). */
export const connectionSchema = lazyValue(() => z.looseObject({name: z.string(), type: z.string()}))
export type {Connection}

/** A non-empty string, else absent. */
const text = lazyValue(() => z.string().min(1).optional().catch(undefined))
/** A non-empty string or a number (as text), else absent: host names, users and paths may be written either way. */
const textOrNumber = lazyValue(() =>
  z
    .union([z.string().min(1), z.number().transform(String)])
    .optional()
    .catch(undefined),
)
/** `:auth` as the store left it: slot → secret name (or a nested map for basic/header). */
const auth = <T extends z.core.$ZodLooseShape>(shape: T) => z.looseObject(shape).nullish().catch(undefined)

export const httpConnection = lazyValue(() =>
  z.looseObject({
    name: z.string(),
    'base-url': z.string().optional().catch(undefined),
    auth: auth({
      bearer: text(),
      basic: z
        .looseObject({
          user: z
            .unknown()
            .optional()
            .transform((v) => String(v ?? '')),
          password: text(),
        })
        .optional()
        .catch(undefined),
      header: z
        .looseObject({
          name: z
            .unknown()
            .optional()
            .transform((v) => (v ? String(v) : undefined)),
          value: text(),
        })
        .optional()
        .catch(undefined),
    }),
    headers: z
      .record(
        z.string(),
        z
          .unknown()
          .optional()
          .transform((v) => String(v)),
      )
      .optional()
      .catch(undefined),
  }),
)

export const sshConnection = lazyValue(() =>
  z.looseObject({
    host: textOrNumber(),
    // Whatever was written, as a number: a bad one is reported as "not a TCP port" with its value.
    port: z
      .unknown()
      .optional()
      .transform((v) => (v === undefined ? undefined : Number(v))),
    user: textOrNumber(),
    /** Only the string slots; the step rejects slots it does not know. */
    auth: z
      .record(z.string(), z.unknown())
      .nullish()
      .catch(undefined)
      .transform((a) => Object.fromEntries(Object.entries(a ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'))),
    'insecure-host-key': z
      .unknown()
      .optional()
      .transform((v) => v === true),
    'host-key': z
      .unknown()
      .optional()
      .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v.map(String) : [String(v)])),
    'known-hosts': textOrNumber(),
  }),
)

export const sqliteConnection = lazyValue(() => z.looseObject({path: text()}))

export const postgresConnection = lazyValue(() => z.looseObject({'url-secret': text(), url: z.string().optional().catch(undefined)}))

export const llmConnection = lazyValue(() =>
  z.looseObject({
    name: z.string(),
    provider: text(),
    model: text(),
    'base-url': text(),
    auth: auth({'api-key': text()}),
  }),
)

export const searchConnection = lazyValue(() =>
  z.looseObject({
    name: z.string(),
    provider: text(),
    'base-url': text(),
    auth: auth({'api-key': text(), token: text()}),
  }),
)

/** A Slack incoming webhook: the secret holds the URL. */
export const slackConnection = lazyValue(() => z.looseObject({'webhook-secret': text()}))

/** A connection through its type's schema; the schemas only narrow, so this cannot fail. */
export function connectionAs<T extends z.ZodType>(schema: () => T, c: Connection): z.output<T> {
  return schema().parse(c)
}
