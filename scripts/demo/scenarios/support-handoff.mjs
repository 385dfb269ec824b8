/**
 * `support-handoff`: stand-ins for a helpdesk, a log search, a status page, billing, a team chat
 * and an OpenAI-compatible model. Each checks its bearer token like the real service would.
 */
import {startFakeOpenAi, startService} from '../stand-ins.mjs'
import {secretValue} from './secret.mjs'

const LOG_LINES = [
  {at: '09:02:11', level: 'error', message: 'POST /checkout 502 upstream payment-gateway timed out after 30s'},
  {at: '09:02:12', level: 'error', message: 'charge retried by client: order 8812 captured twice (idempotency key missing)'},
  {at: '09:14:40', level: 'error', message: 'POST /checkout 502 upstream payment-gateway timed out after 30s'},
]

function draftReply(prompt) {
  const customer = /from ([^ (]+)/.exec(prompt)?.[1] ?? 'there'
  const twice = prompt.includes('captured twice')
  return [
    `Hi ${customer} team,`,
    '',
    'Thanks for flagging this, and sorry for the trouble. Our payment gateway timed out between 09:02 and 09:15 today, so checkout failed for some of your customers.',
    twice
      ? 'Order 8812 was charged twice while the client retried; we have refunded the duplicate charge and added a credit to your account.'
      : 'No charges were duplicated.',
    'We are watching the gateway closely and will post updates on our status page.',
    '',
    '— Support',
  ].join('\n')
}

export default {
  title: 'triage → logs → LLM draft → human approval → support, status, billing → notify',
  about: [
    'A customer reports failing checkouts and a double charge. breyta triages the ticket (function),',
    'gathers logs (http), drafts a reply (llm), and parks until a person approves. Only then does it',
    'update the helpdesk, the status page and billing (http) and tell the team (notify).',
  ],
  needsDaemon: false,
  approveComment: 'Reply reads well, ship it',
  rejectComment: 'Too vague about the refund; say when it lands',
  async setup({servers}) {
    const tokens = {support: secretValue('sup'), logs: secretValue('logs'), billing: secretValue('bill'), model: secretValue('sk-demo')}
    servers.support = await startService(
      {
        'POST /tickets/:id/replies': (req, p) => ({status: 201, body: {id: 'reply-5521', ticket: p.id, status: req.json?.status ?? 'open'}}),
        'POST /tickets/:id/notes': (_req, p) => ({status: 201, body: {id: 'note-88', ticket: p.id}}),
      },
      {bearer: tokens.support},
    )
    servers.logs = await startService(
      {
        'GET /search': (req) => ({status: 200, body: {customer: req.query.get('customer'), service: req.query.get('service'), lines: LOG_LINES}}),
      },
      {bearer: tokens.logs},
    )
    servers.status = await startService({
      'POST /incidents': (req) => ({status: 201, body: {id: 'inc-42', component: req.json?.component, state: req.json?.state}}),
    })
    servers.billing = await startService(
      {
        'POST /credits': (req) => ({status: 201, body: {id: 'cr-1007', customer: req.json?.customer, 'amount-cents': req.json?.['amount-cents']}}),
      },
      {bearer: tokens.billing},
    )
    servers.chat = await startService({'POST /messages': () => ({status: 200, body: {ok: true, ts: '1718000000.000100'}})})
    servers.llm = await startFakeOpenAi({apiKey: tokens.model, model: 'demo-support-model', reply: (user) => draftReply(user)})
    return {
      endpoints: {
        support: servers.support.url,
        logs: servers.logs.url,
        status: servers.status.url,
        billing: servers.billing.url,
        chat: servers.chat.url,
        llm: servers.llm.url + '/v1',
      },
      connections: `{:support {:type :http :base-url "${servers.support.url}" :auth {:bearer :support-token}}
 :logs    {:type :http :base-url "${servers.logs.url}" :auth {:bearer :logs-token}}
 :status  {:type :http :base-url "${servers.status.url}"}
 :billing {:type :http :base-url "${servers.billing.url}" :auth {:bearer :billing-token}}
 :chat    {:type :http :base-url "${servers.chat.url}"}
 :model   {:type :llm :provider :openai :base-url "${servers.llm.url}/v1" :model "demo-support-model" :auth {:api-key :model-key}}}
`,
      secrets: {'support-token': tokens.support, 'logs-token': tokens.logs, 'billing-token': tokens.billing, 'model-key': tokens.model},
      input: {
        ticket: {
          id: 'T-1042',
          customer: 'Acme',
          subject: 'Checkout failing and we were charged twice',
          body: 'Since about 9am our checkout has been failing for customers, and order 8812 was charged twice. Please help!',
        },
      },
    }
  },
  explain(e) {
    if (e.type !== 'step_completed') return undefined
    if (e.step === 'triage') return 'a pure function over the ticket: same input, same answer, recorded in the journal'
    if (e.step === 'draft-reply') return "the model's reply is recorded: replaying this run never calls the model again"
    return undefined
  },
  summary(_run, servers) {
    const hits = ['support', 'status', 'billing', 'chat'].map((k) => `${k} ${servers[k]?.requests.length ?? 0}`)
    return [`requests the stand-ins received: ${hits.join(', ')}`]
  },
}
