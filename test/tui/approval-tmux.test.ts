/**
 * Approvals people can read, in a real terminal (tmux, 100x30): a multi-paragraph prompt with
 * Markdown-ish markup and a `:show` context renders with real line breaks (no `\n` escapes),
 * `waits show` prints the same text, and `r` with a two-line comment records both lines.
 * Runs the built CLI (bin/run.js); `npm test` builds first.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {breyta, CLI, hasTmux, terminal} from '../helpers/tmux.js'

const FLOW = `{:slug :reply
 :name "Reply"
 :functions [{:id :id :language :clojure :code "(fn [x] x)"}]
 :flow (let [draft (flow/step :function :draft {:ref :id :input "Hi Acme team,\\n\\nThanks for the **report**. The 500s came from a bad deploy.\\n\\n- we rolled it back\\n- a credit is on its way"})
             ok    (flow/step :wait :approve-reply {:key "approve-reply"
                                                    :approval {:prompt (str "Send this reply to Acme?\\n\\n" draft)
                                                               :show {:reply draft :ticket {:id "T-1042" :tags ["billing" "outage"]}}}})]
         {:decision (:decision ok) :comment (:comment ok)})}
`

const term = terminal('approval-e2e', 'approval')
const {tmux, screen, until} = term
const lines = () =>
  screen()
    .split('\n')
    .map((l) => l.trim())

describe.skipIf(!hasTmux())('an approval in the TUI and in waits show', () => {
  let dir: string
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'breyta-approval-e2e-'))
    expect((await breyta(dir, ['init'])).code).toBe(0)
    fs.writeFileSync(path.join(dir, '.breyta', 'flows', 'reply.edn'), FLOW)
  })
  afterAll(() => {
    term.close()
    fs.rmSync(dir, {recursive: true, force: true})
  })

  it('renders the prompt and context as text, and r records a two-line comment', async () => {
    const started = await breyta(dir, ['flows', 'run', 'reply', '--json'])
    expect(JSON.parse(started.stdout).data.status, started.stderr).toBe('waiting')
    const runId = JSON.parse(started.stdout).data.id as string

    // For people on the command line: the same text, and the data under --json.
    const shown = await breyta(dir, ['waits', 'show', runId, 'approve-reply'])
    expect(shown.code, shown.stderr).toBe(0)
    const shownLines = shown.stdout.split('\n')
    expect(shownLines).toContain('Hi Acme team,')
    expect(shownLines).toContain('• we rolled it back')
    expect(shownLines).toContain('  tags:')
    expect(shown.stdout).not.toContain('\\n')
    expect(shown.stdout).not.toContain('**')
    const json = JSON.parse((await breyta(dir, ['waits', 'show', runId, 'approve-reply', '--json'])).stdout).data
    expect(json).toMatchObject({run: runId, key: 'approve-reply', status: 'open', approval: {show: {ticket: {id: 'T-1042', tags: ['billing', 'outage']}}}})
    expect(json.approval.show.reply).toContain('Hi Acme team,\n\n')
    const listed = await breyta(dir, ['waits', 'list'])
    expect(listed.stdout).toContain('approval: Send this reply to Acme? …')

    tmux(
      'new-session',
      '-d',
      '-x',
      '100',
      '-y',
      '30',
      '-s',
      'approval',
      '-c',
      dir,
      `${process.execPath} ${CLI} tui --by e2e-reviewer; echo "TUI-EXIT=$?"; sleep 60`,
    )
    await until('the waiting run', () => screen().includes('approve? approve-reply: Send this reply to Acme?'))
    tmux('send-keys', '-t', 'approval', 'Enter')
    await until('the approval pane', () => screen().includes('── approval approve-reply'))
    // Real line breaks: each paragraph and list item on a line of its own, no escapes.
    for (const line of [
      'Send this reply to Acme?',
      'Hi Acme team,',
      'Thanks for the report. The 500s came from a bad deploy.',
      '• we rolled it back',
      '• a credit is on its way',
      '── context',
      'reply:',
    ]) {
      expect(lines(), `"${line}" on its own line in:\n${screen()}`).toContain(line)
    }
    expect(screen()).not.toContain('\\n')

    tmux('send-keys', '-t', 'approval', 'r')
    await until('the comment field', () => screen().includes('reject comment:') && screen().includes('ctrl-d'))
    tmux('send-keys', '-t', 'approval', '-l', 'Too vague about the refund.')
    tmux('send-keys', '-t', 'approval', 'Enter')
    tmux('send-keys', '-t', 'approval', '-l', 'Say when it lands.')
    await until('the second line', () => screen().includes('Say when it lands.'))
    tmux('send-keys', '-t', 'approval', 'C-d')
    await until('the run to finish', async () => {
      const r = await breyta(dir, ['runs', 'show', runId, '--json'])
      return JSON.parse(r.stdout).data.status === 'completed'
    })
    const run = JSON.parse((await breyta(dir, ['runs', 'show', runId, '--json'])).stdout).data
    expect(run.output).toEqual({decision: 'rejected', comment: 'Too vague about the refund.\nSay when it lands.'})
    expect(run.waits[0]).toMatchObject({key: 'approve-reply', 'completed-by': 'e2e-reviewer'})

    tmux('send-keys', '-t', 'approval', 'q')
    await until('the exit', () => screen().includes('TUI-EXIT='))
    expect(screen()).toContain('TUI-EXIT=0')
  })
})
