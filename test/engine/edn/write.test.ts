import {describe, expect, it} from 'vitest'
import {readEdn} from '../../../src/engine/edn/read.js'
import {writeEdn} from '../../../src/engine/edn/write.js'
import {emap, equals, kw, List, sym, Tagged, type Value} from '../../../src/engine/edn/values.js'

const release = emap({
  live: 2,
  versions: [
    emap({version: 1, sha256: 'a'.repeat(64), note: 'first', 'created-at': '2024-01-31T09:00:00.000Z'}),
    emap({version: 2, sha256: 'b'.repeat(64), note: 'second', 'created-at': '2024-02-01T09:00:00.000Z'}),
  ],
})

describe('writeEdn', () => {
  it('prints small values on one line with a trailing newline', () => {
    expect(writeEdn(emap({a: 1, b: 'x', c: [kw('k'), null]}))).toBe('{:a 1 :b "x" :c [:k nil]}\n')
    expect(writeEdn(42)).toBe('42\n')
  })

  it('prints one entry per line with aligned values when a map does not fit', () => {
    const conns = emap({
      gh: emap({type: kw('http'), 'base-url': 'https://api.github.com', auth: emap({bearer: kw('gh-token')})}),
      vm: emap({type: kw('ssh'), host: '10.0.0.5', port: 22, user: 'agent', auth: emap({'private-key': kw('vm-key')})}),
      model: emap({type: kw('llm'), provider: kw('openai'), 'base-url': 'http://127.0.0.1:8080/v1', model: 'gpt-x', auth: emap({'api-key': kw('openai-key')})}),
    })
    expect(writeEdn(conns)).toBe(
      [
        '{:gh    {:type :http :base-url "https://api.github.com" :auth {:bearer :gh-token}}',
        ' :vm    {:type :ssh :host "10.0.0.5" :port 22 :user "agent" :auth {:private-key :vm-key}}',
        ' :model {:type     :llm',
        '         :provider :openai',
        '         :base-url "http://127.0.0.1:8080/v1"',
        '         :model    "gpt-x"',
        '         :auth     {:api-key :openai-key}}}',
        '',
      ].join('\n'),
    )
  })

  it('puts vector items one per line under the first when they do not fit', () => {
    const sha = 'a'.repeat(64)
    expect(writeEdn(release).split('\n').slice(0, 6)).toEqual([
      '{:live     2',
      ' :versions [{:version    1',
      `             :sha256     "${sha}"`,
      '             :note       "first"',
      '             :created-at "2024-01-31T09:00:00.000Z"}',
      '            {:version    2',
    ])
    expect(writeEdn([1, 'x'.repeat(60), 'y'.repeat(40)])).toBe(`[1\n "${'x'.repeat(60)}"\n "${'y'.repeat(40)}"]\n`)
  })

  it('keeps insertion order, or sorts keys and set members when asked', () => {
    const m = emap({b: 1, a: new Set([kw('z'), kw('y')])})
    expect(writeEdn(m)).toBe('{:b 1 :a #{:z :y}}\n')
    expect(writeEdn(m, {sortKeys: true})).toBe('{:a #{:y :z} :b 1}\n')
  })

  it('gives byte-identical output for equal input', () => {
    const copy = readEdn(writeEdn(release))
    expect(writeEdn(copy)).toBe(writeEdn(release))
  })

  it('round-trips through readEdn', () => {
    const values: Value[] = [
      release,
      emap({s: 'quote " backslash \\ newline \n tab \t', n: -1.5, big: 12345678901234567890n, nil: null, t: false}),
      emap({inst: new Date('2024-01-31T09:00:00.000Z'), uuid: new Tagged('uuid', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6')}),
      new List([sym('fn'), [sym('x')], new List([sym('inc'), sym('x')])]),
      emap({nested: emap({deeper: emap({list: Array.from({length: 40}, (_, i) => 'item-' + i)})})}),
      new Map<Value, Value>([
        [[1, 2], 'vector key'],
        ['string key', new Set([1, 'a', kw('b')])],
      ]),
    ]
    for (const v of values) expect(equals(readEdn(writeEdn(v)), v), writeEdn(v)).toBe(true)
  })

  it('keeps lines within the width where the content allows', () => {
    const text = writeEdn(emap({items: Array.from({length: 30}, (_, i) => emap({id: i, name: 'name-' + i}))}))
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100)
  })
})
