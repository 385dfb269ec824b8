/** Step type → executor. Adding a step family is one file plus one line here. */
import {execStep} from './exec.js'
import {functionStep} from './function.js'
import {httpStep} from './http.js'
import {sleepStep} from './sleep.js'
import type {StepExecutor} from './types.js'
import {waitStep} from './wait.js'
import {dbStep} from './db.js'
import {kvStep} from './kv.js'
import {llmStep} from './llm.js'
import {notifyStep} from './notify.js'
import {searchStep} from './search.js'
import {sshStep} from './ssh.js'

const executors: StepExecutor[] = [functionStep, httpStep, execStep, sleepStep, waitStep, llmStep, searchStep, dbStep, kvStep, notifyStep, sshStep]

const byType = new Map<string, StepExecutor>(executors.map((e) => [e.type, e]))

export function stepExecutor(type: string): StepExecutor | undefined {
  return byType.get(type)
}

export function stepTypes(): string[] {
  return [...byType.keys()].sort()
}
