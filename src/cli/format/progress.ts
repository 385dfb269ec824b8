/** A one-line spinner on stderr while a run executes (only on a terminal). */
import type {JournalEvent} from '../../engine/index.js'

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export class RunProgress {
  private frame = 0
  private text = 'starting'
  private done = 0
  private timer?: NodeJS.Timeout
  private readonly enabled: boolean

  constructor(enabled: boolean) {
    this.enabled = enabled && Boolean(process.stderr.isTTY)
  }

  start(label: string): void {
    this.text = label
    if (!this.enabled) return
    this.timer = setInterval(() => this.draw(), 80)
    this.timer.unref()
  }

  onEvent = (e: JournalEvent): void => {
    if (e.type === 'step_started') this.text = `${e.step} (${e.stepType})${e.attempt > 1 ? ` attempt ${e.attempt}` : ''}`
    else if (e.type === 'step_completed') this.done++
    else if (e.type === 'wait_opened') this.text = `waiting on "${e.key}"`
    else if (e.type === 'sleep_started') this.text = `sleeping until ${e.until.slice(11, 19)}`
  }

  private draw(): void {
    this.frame = (this.frame + 1) % FRAMES.length
    process.stderr.write(`\r\u001B[2K${FRAMES[this.frame]} ${this.text}  ${this.done} step${this.done === 1 ? '' : 's'} done`)
  }

  /** Clears the line; a no-op when not started (or already stopped). */
  stop(): void {
    if (!this.timer) return
    clearInterval(this.timer)
    this.timer = undefined
    process.stderr.write('\r\u001B[2K')
  }
}
