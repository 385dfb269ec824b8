/** `hello`: the smallest flow; no stand-ins, no approvals. */
export default {
  title: 'the smallest flow: a function step and a template',
  about: ['No servers and no waits: a run that starts and completes in one go.'],
  needsDaemon: false,
  async setup() {
    return {endpoints: {}, connections: '{}\n', secrets: {}, input: {name: 'Ada Lovelace'}}
  },
}
