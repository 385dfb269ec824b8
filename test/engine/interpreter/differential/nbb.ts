/**
 * Evaluate a batch of expressions in one nbb process (ClojureScript on Node, a dev
 * dependency) and print each result in the canonical form canon.ts gives breyta's values,
 * so a lazy seq and a vector with the same items compare equal.
 */
import {execFile} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import path from 'node:path'

const NBB = createRequire(import.meta.url).resolve('nbb/cli.js')

/**
 * The canonical printer in ClojureScript, and breyta's literal-string split (documented in
 * README): with a string separator nbb needs a regex, so the harness quotes it into one.
 */
const PRELUDE = String.raw`
(ns breyta.diff (:require [clojure.string] [clojure.set]))
(defn canon [v]
  (cond (nil? v) "nil"
        (boolean? v) (str v)
        (number? v) (cond (js/isNaN v) "##NaN" (= v js/Infinity) "##Inf" (= v (- js/Infinity)) "##-Inf" :else (str v))
        (string? v) (js/JSON.stringify v)
        (keyword? v) (str v)
        (symbol? v) (str "'" v)
        (map? v) (str "{" (clojure.string/join ", " (sort (map (fn [[k x]] (str (canon k) " " (canon x))) v))) "}")
        (set? v) (str "#{" (clojure.string/join " " (sort (map canon v))) "}")
        (sequential? v) (str "[" (clojure.string/join " " (map canon v)) "]")
        (fn? v) "fn"
        (reduced? v) (str "reduced " (canon @v))
        :else (str "? " (pr-str v))))
(defn quote-re [s] (re-pattern (clojure.string/replace s #"[-.*+?^$(){}|\[\]\\/]" (fn [m] (str "\\" m)))))
(defn breyta-split ([s sep] (clojure.string/split s (quote-re sep))) ([s sep n] (clojure.string/split s (quote-re sep) n)))
(def cases (js->clj (js/JSON.parse (.toString (.readFileSync (js/require "fs") (first *command-line-args*))))))
(doseq [c cases]
  (println (try (js/JSON.stringify (canon (load-string c))) (catch :default e (js/JSON.stringify (str "ERR " (.-message e)))))))
`

/** Spell an expression the way nbb needs it (see PRELUDE). */
export function forNbb(expr: string): string {
  return expr.replace(/\((?:clojure\.string|str)\/split(?=\s)/g, '(breyta.diff/breyta-split')
}

/** One canonical result per expression, or "ERR message" when nbb threw. */
export async function evalInNbb(exprs: readonly string[]): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'breyta-nbb-'))
  try {
    const script = path.join(dir, 'diff.cljs')
    const input = path.join(dir, 'cases.json')
    writeFileSync(script, PRELUDE)
    writeFileSync(input, JSON.stringify(exprs.map(forNbb)))
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [NBB, script, input], {maxBuffer: 256 * 1024 * 1024}, (err, out, errOut) =>
        err ? reject(new Error(`nbb failed: ${err.message}\n${errOut}`)) : resolve(out),
      )
    })
    const lines = stdout.split('\n').filter((l) => l !== '')
    if (lines.length !== exprs.length) throw new Error(`nbb printed ${lines.length} results for ${exprs.length} expressions`)
    return lines.map((l) => JSON.parse(l) as string)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
