/** The CLI's entry (bin/run.js): oclif's execute, re-exported so the bundle holds it. */
export {execute} from '@oclif/core'
