/** Flags shared by the `breyta kv` commands. */
import {Flags} from '@oclif/core'
import {DEFAULT_KV_NAMESPACE} from '../engine/index.js'

export const namespaceFlag = Flags.string({
  char: 'n',
  description: `Key namespace; a flow's :kv steps use its slug by default`,
  default: DEFAULT_KV_NAMESPACE,
})
