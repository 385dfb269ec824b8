/**
 * The global function table: loads every built-in module and lists the names for docs.
 */
import {GLOBALS} from './builtins.js'
import './core-math.js'
import './core-coll.js'
import './core-seq.js'
import './core-string.js'
import './core-set.js'
import './flow-fns.js'

export {GLOBALS}

const allNames = [...GLOBALS.keys()].map((s) => s.name)

/** Pure core functions (the string functions under their `clojure.string/` names; `str/` works too). */
export const CORE_FUNCTIONS: readonly string[] = allNames.filter((n) => !n.startsWith('flow/') && !n.startsWith('str/') && !n.startsWith('string/')).sort()

/** The `flow/` functions. */
export const FLOW_FUNCTIONS: readonly string[] = allNames.filter((n) => n.startsWith('flow/')).sort()
