/** Fixture runs around a fixed clock, covering every status the list has to draw. */
import type {Key} from 'ink'
import type {RunDetail, StepInfo, WaitInfo} from '../../src/tui/types.js'

export const NOW = Date.parse('2026-01-10T12:00:00.000Z')
export const clock = () => NOW
const ago = (ms: number) => new Date(NOW - ms).toISOString()
const MIN = 60_000

export function step(id: string, type: string, status: string, extra: Partial<StepInfo> = {}): StepInfo {
  return {
    id,
    type,
    status,
    attempts: 1,
    'started-at': ago(5 * MIN),
    'finished-at': status === 'completed' ? ago(4 * MIN) : null,
    input: {id},
    output: null,
    error: null,
    ...extra,
  }
}

export function approval(key: string, prompt: string): WaitInfo {
  return {key, status: 'open', approval: {prompt}, 'callback-url': null, 'timeout-at': null}
}

export function run(id: string, flow: string, status: RunDetail['status'], createdAgo: number, extra: Partial<RunDetail> = {}): RunDetail {
  return {
    id,
    flow,
    status,
    target: 'live',
    version: 3,
    sha256: 'abc',
    input: {pr: 1},
    output: null,
    error: null,
    'created-at': ago(createdAgo),
    'started-at': ago(createdAgo),
    'finished-at': null,
    steps: [],
    waits: [],
    ...extra,
  }
}

export function fixtureRuns(): RunDetail[] {
  return [
    run('01RUN0DEPLOY', 'deploy-api', 'waiting', 10 * MIN, {
      steps: [
        step('build', 'exec', 'completed', {output: {'exit-code': 0, stdout: 'built'}}),
        step('tests', 'exec', 'completed', {attempts: 2}),
        step('approve-deploy', 'wait', 'waiting'),
      ],
      waits: [approval('deploy-ok', 'Deploy api to prod?')],
    }),
    run('01RUN0NIGHTLY', 'nightly-report', 'completed', 1 * MIN, {
      'finished-at': ago(30_000),
      output: {sent: true},
      steps: [step('fetch', 'http', 'completed', {output: {status: 200, body: {rows: [1, 2, 3]}}})],
    }),
    run('01RUN0SYNC', 'sync-issues', 'running', 3 * MIN, {steps: [step('list-issues', 'http', 'running')]}),
    run('01RUN0CLEANUP', 'cleanup', 'failed', 120 * MIN, {
      'finished-at': ago(119 * MIN),
      error: {code: 'step_failed', message: 'rm: permission denied', 'step-id': 'rm'},
      steps: [step('rm', 'exec', 'failed', {error: {code: 'step_failed', message: 'rm: permission denied'}})],
    }),
    run('01RUN0NOTES', 'release-notes', 'waiting', 24 * 60 * MIN, {
      steps: [step('draft', 'llm', 'completed'), step('review', 'wait', 'waiting')],
      waits: [approval('copy-ok', 'Is the copy fine?'), approval('legal-ok', 'Legal sign-off?')],
    }),
  ]
}

/** An Ink key with nothing pressed: tests spread it and set what they press. */
export const noKeys: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
}
