/** Schedule triggers: cron expressions checked and evaluated with croner. */
import {Cron} from 'croner'

/** The problem with a timezone name, or undefined when Intl knows it (IANA names). */
export function checkTimezone(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', {timeZone: timezone})
    return undefined
  } catch {
    return `unknown timezone ${JSON.stringify(timezone)} (use an IANA name like "Europe/Oslo" or "UTC")`
  }
}

function schedule(expr: string, timezone?: string): Cron {
  return new Cron(expr, {paused: true, ...(timezone === undefined ? {} : {timezone})})
}

/** The problem with a cron expression (and timezone), or undefined when it is valid. */
export function checkCron(expr: string, timezone?: string): string | undefined {
  if (timezone !== undefined) {
    const tz = checkTimezone(timezone)
    if (tz !== undefined) return tz
  }
  try {
    const job = schedule(expr, timezone)
    // A pattern that can never match (e.g. "0 9 31 2 *") is as useless as a malformed one.
    if (job.nextRun(new Date()) === null) return `cron ${JSON.stringify(expr)} never fires`
    return undefined
  } catch (err) {
    return `invalid cron ${JSON.stringify(expr)}: ${(err as Error).message.replace(/^CronPattern: /, '')}`
  }
}

/** The first time `expr` fires strictly after `after`, or undefined if it never does. */
export function nextFire(expr: string, timezone: string | undefined, after: Date): Date | undefined {
  return schedule(expr, timezone).nextRun(after) ?? undefined
}
