/** Reading a flow from text or a file and validating it (SPEC §3, `breyta flows validate`). */
import {readFile} from 'node:fs/promises'
import {invalidFlow} from '../errors.js'
import {nodeAt, type Position} from '../edn/positions.js'
import {readEdnWithPositions, type PositionedValue} from '../edn/read.js'
import {problemsOf, type Locator, type Path} from './problems.js'
import type {FlowDefinition} from './types.js'
import {validateFlowValue, type ValidateOptions, type Validation} from './validate.js'

export type {ValidateOptions, Validation} from './validate.js'

/**
 * A Locator over the read text. Positions inside a string map exactly only when the string is
 * written without escapes (then each decoded character is one source character).
 */
function locatorFor(text: string, read: PositionedValue): Locator {
  return {
    positionOf: (path: Path) => read.positionOf(path),
    positionInString(path: Path, line: number, column: number): Position | undefined {
      const n = nodeAt(read.node, path)
      if (n === undefined || n.kind !== 'string' || text.slice(n.start + 1, n.end - 1) !== n.text) return undefined
      return line === 1 ? {line: n.line, column: n.column + column} : {line: n.line + line - 1, column}
    },
  }
}

/** Read and validate flow text without throwing: the flow when valid, else every problem. */
export function validateFlowText(text: string, options: ValidateOptions = {}): Validation {
  if (options.maxBytes !== undefined && text.length > options.maxBytes / 4) {
    const bytes = Buffer.byteLength(text)
    if (bytes > options.maxBytes) {
      return {
        problems: [
          {
            path: '',
            message: `the flow is ${bytes} bytes; the limit is ${options.maxBytes} (config.edn :limits :flow-bytes)`,
            line: 1,
            column: 1,
            ...(options.file ? {file: options.file} : {}),
          },
        ],
      }
    }
  }
  let read: PositionedValue
  try {
    read = readEdnWithPositions(text, {file: options.file, code: true})
  } catch (err) {
    const problems = problemsOf(err)
    if (problems === undefined) throw err
    return {problems}
  }
  return validateFlowValue(read.value, locatorFor(text, read), options)
}

/** Read and validate flow text; throws invalid_flow carrying every problem at once. */
export function parseFlow(text: string, options: ValidateOptions = {}): FlowDefinition {
  const {flow, problems} = validateFlowText(text, options)
  if (flow === undefined) throw invalidFlow(problems, options.file)
  return flow
}

/** Read a flow file and validate it; problems name the file. */
export async function loadFlowFile(path: string, options: ValidateOptions = {}): Promise<FlowDefinition> {
  const text = await readFile(path, 'utf8')
  return parseFlow(text, {...options, file: options.file ?? path})
}
