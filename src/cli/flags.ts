/** Flags shared by several commands. */
import {Flags} from '@oclif/core'

export const targetFlag = Flags.string({description: 'Which definition: the editable draft or the released live version', options: ['draft', 'live']})
export const versionFlag = Flags.integer({description: 'A released version number', min: 1})
export const waitFlag = Flags.boolean({description: 'Keep going until the run completes, fails or is cancelled (sleeps are slept out, waits are waited on)'})
export const timeoutFlag = Flags.string({description: 'With --wait: stop waiting after this long (e.g. 30s, 5m); the run keeps its state'})
export const limitFlag = Flags.integer({description: 'How many items at most', min: 1, default: 20})
export const inputFlag = Flags.string({description: 'Run input as a JSON object, e.g. \'{"pr": 1}\'', exclusive: ['input-file']})
export const inputFileFlag = Flags.string({description: 'Read the run input (JSON) from a file, or - for stdin', exclusive: ['input']})
export const graphFormatFlag = Flags.string({
  description: 'Graph format: mermaid (renders in a pull request), dot (Graphviz) or text (an outline)',
  options: ['mermaid', 'dot', 'text'],
  default: 'mermaid',
})
