/**
 * The interpreter against a real Clojure: nbb (ClojureScript on Node) evaluates the same
 * expressions, generated from fixed seeds and from a hand-written table, in one process per
 * batch. Every case must agree (a lazy seq equals a vector with the same items); the cases
 * that differ on purpose are README's table and must still differ. `npm run fuzz` runs more
 * seeds.
 */
import {describe, expect, test} from 'vitest'
import {CORE_FUNCTIONS} from '../../../src/engine/interpreter/index.js'
import {generate, SIGNATURES} from './differential/generate.js'
import {compareAll, type Outcome} from './differential/run.js'
import {DOCUMENTED, TABLE} from './differential/table.js'

const SEEDS = [1, 2]
const PER_SEED = 2_100

function report(label: string, outcomes: Outcome[]): string {
  const agree = outcomes.filter((o) => o.agree).length
  const pct = ((100 * agree) / outcomes.length).toFixed(2)
  const figure = `${label}: ${agree}/${outcomes.length} agree with nbb (${pct}%)`
  console.log(figure)
  return figure
}

function disagreements(outcomes: Outcome[]): string[] {
  return outcomes.filter((o) => !o.agree).map((o) => `${o.expr}\n  breyta: ${o.breyta}\n  nbb:    ${o.nbb}`)
}

describe('differential test against nbb', () => {
  test('every core function has signatures for the generator', () => {
    expect(CORE_FUNCTIONS.filter((name) => SIGNATURES[name] === undefined)).toEqual([])
  })

  test(`${SEEDS.length * PER_SEED} generated expressions over every core function and special form agree`, async () => {
    const exprs = SEEDS.flatMap((seed) => generate(seed, PER_SEED))
    const outcomes = await compareAll(exprs)
    report('generated', outcomes)
    expect(disagreements(outcomes)).toEqual([])
    expect(outcomes.length).toBeGreaterThanOrEqual(4000)
  })

  test('the hand-written table agrees, family by family', async () => {
    const families = Object.entries(TABLE)
    const outcomes = await compareAll(families.flatMap(([, cases]) => cases))
    report('hand-written', outcomes)
    expect(disagreements(outcomes)).toEqual([])
    expect(outcomes.length).toBeGreaterThanOrEqual(500)
  })

  test("the documented differences still differ (README's table)", async () => {
    const cases = Object.values(DOCUMENTED).flat()
    const outcomes = await compareAll(cases)
    expect(outcomes.filter((o) => o.agree).map((o) => o.expr)).toEqual([])
  })
})
