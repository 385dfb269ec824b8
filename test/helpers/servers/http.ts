/**
 * A tiny real HTTP server on 127.0.0.1 for provider fakes: records every request, lets a test
 * queue canned failures (429 with Retry-After, 500 …) ahead of the normal handler. Shared with
 * the demo (`npm run demo`): the implementation lives in scripts/demo/stand-ins.mjs.
 */
export {startServer, type FakeServer, type Handler, type RecordedRequest, type Reply} from '../../../scripts/demo/stand-ins.mjs'
