/** The CLI's entry (bin/run.js): oclif's execute and settings, re-exported so the bundle holds them. */
export {execute, settings} from '@oclif/core'
