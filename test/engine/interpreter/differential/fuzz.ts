/**
 * `npm run fuzz [-- COUNT [SEED]]`: more generated expressions than the test suite runs, from a
 * random seed unless one is given; prints the disagreements and the seed to replay them.
 */
import {generate} from './generate.js'
import {compareAll} from './run.js'

const count = Number(process.argv[2] ?? 20_000)
const seed = Number(process.argv[3] ?? Math.floor(Math.random() * 2 ** 31))
const batch = 5_000
let agree = 0
let total = 0
const exprs = generate(seed, count)
for (let i = 0; i < exprs.length; i += batch) {
  for (const o of await compareAll(exprs.slice(i, i + batch))) {
    total++
    if (o.agree) agree++
    else console.log(`${o.expr}\n  breyta: ${o.breyta}\n  nbb:    ${o.nbb}`)
  }
}
console.log(`seed ${seed}: ${agree}/${total} agree with nbb (${((100 * agree) / total).toFixed(2)}%)`)
process.exitCode = agree === total ? 0 : 1
