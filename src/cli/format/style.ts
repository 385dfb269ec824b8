/** Colors only when writing to a terminal (and NO_COLOR is unset). */
import pc from 'picocolors'

const enabled = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR

const id = (s: string) => s
export const paint = {
  red: enabled ? pc.red : id,
  green: enabled ? pc.green : id,
  yellow: enabled ? pc.yellow : id,
  blue: enabled ? pc.blue : id,
  cyan: enabled ? pc.cyan : id,
  magenta: enabled ? pc.magenta : id,
  dim: enabled ? pc.dim : id,
  bold: enabled ? pc.bold : id,
}

const STATUS_COLORS: Record<string, (s: string) => string> = {
  completed: paint.green,
  failed: paint.red,
  cancelled: paint.dim,
  running: paint.blue,
  waiting: paint.yellow,
  sleeping: paint.cyan,
  queued: paint.magenta,
}

export function statusText(status: string): string {
  return (STATUS_COLORS[status] ?? id)(status)
}
