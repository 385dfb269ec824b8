import path from 'node:path'
import {Flags} from '@oclif/core'
import {BreytaCommand} from '../../cli/base-command.js'
import {paint} from '../../cli/format/style.js'
import {spawnDetachedDaemon, startDaemon, type DaemonLog, type Workspace} from '../../engine/index.js'

export default class DaemonStart extends BreytaCommand {
  static override summary = 'Start the daemon: callbacks, webhooks, schedules, timers and queued runs'
  static override description = `Serves HTTP on 127.0.0.1 (port 7420 unless --port; 0 picks a free one) and writes .breyta/daemon.json. In the foreground it runs until SIGINT/SIGTERM and then exits 0 (with --json it prints one document on exit; logs go to stderr). With --detach it starts itself in the background, logging to .breyta/logs/daemon.log, and returns once it answers. One daemon per workspace: a second one gets daemon_already_running (exit 4). In team mode (config.edn :store :postgres) run one daemon in each checkout, on as many machines as you like: they share the runs in the store.`
  static override flags = {
    port: Flags.integer({description: 'TCP port (0 picks a free one); default from config.edn, else 7420', min: 0, max: 65535}),
    host: Flags.string({description: 'Interface to bind; default 127.0.0.1 (config.edn :daemon :host)'}),
    detach: Flags.boolean({description: 'Run in the background; print {pid url log} once it is up'}),
  }
  static override examples = [
    '<%= config.bin %> daemon start',
    '<%= config.bin %> daemon start --detach --json',
    '<%= config.bin %> daemon start --port 0 --host 0.0.0.0',
  ]

  async run() {
    const {flags} = await this.parse(DaemonStart)
    const ws = await this.workspace()
    if (flags.detach) return this.detach(ws, flags)
    const daemon = await startDaemon(ws, {
      host: flags.host,
      port: flags.port,
      env: process.env,
      log: stderrLog(),
      logDebug: Boolean(process.env.BREYTA_DEBUG),
      logFile: process.env.BREYTA_DAEMON_LOG ?? null,
      holdHeap: true,
      ...(process.env.BREYTA_DAEMON_CONCURRENCY ? {concurrency: Number(process.env.BREYTA_DAEMON_CONCURRENCY)} : {}),
    })
    this.say(`breyta daemon ${paint.green('listening')} on ${daemon.info.url} (pid ${daemon.info.pid}); Ctrl-C stops it`)
    const onSignal = () => void daemon.stop()
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
    const final = await daemon.stopped
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
    this.say(`breyta daemon stopped after ${final['uptime-s']} s (${final.advances} advances)`)
    return {stopped: true, ...final}
  }

  private async detach(ws: Workspace, flags: {port?: number; host?: string}) {
    const args = [path.join(this.config.root, 'bin', 'run.js'), 'daemon', 'start', '--workspace', ws.root]
    if (flags.port !== undefined) args.push('--port', String(flags.port))
    if (flags.host !== undefined) args.push('--host', flags.host)
    const started = await spawnDetachedDaemon(ws, {command: process.execPath, args, env: process.env})
    this.say(`breyta daemon ${paint.green('started')} on ${started.url} (pid ${started.pid}); log: ${started.log}`)
    return started
  }
}

/** One line per event on stderr (the detached daemon's stderr is its log file). */
function stderrLog(): DaemonLog {
  const debug = Boolean(process.env.BREYTA_DEBUG)
  return (level, message, fields) => {
    if (level === 'debug' && !debug) return
    const extra = fields
      ? ' ' +
        Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ')
      : ''
    process.stderr.write(`${new Date().toISOString()} ${level} ${message}${extra}\n`)
  }
}
