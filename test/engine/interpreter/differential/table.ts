/**
 * Hand-written cases per function family: the edges random generation rarely reaches (nil,
 * empty, emoji, namespaced keywords, floats, odd arities). Every case must agree with nbb;
 * what breyta does differently on purpose is in DOCUMENTED (and in README's table).
 */
export const TABLE: Record<string, string[]> = {
  arithmetic: [
    '(+)', '(+ 1)', '(+ 1 2 3 4)', '(+ 0.1 0.2)', '(*)', '(* 2 3.5)', '(- 5)', '(- 10 1 2)', '(- 0.5 1)', '(/ 8 2)', '(/ 1 4)', '(/ 3)', '(/ -9 3)', '(/ 1.5 0.5)',
    '(inc 1.5)', '(dec -1)', '(quot 7 2)', '(quot -7 2)', '(quot 7.5 2)', '(rem 7 2)', '(rem -7 2)', '(rem 7 -2)', '(mod 7 2)', '(mod -7 2)', '(mod 7 -2)', '(mod -7 -2)', '(mod 5.5 2)',
    '(max 1 2 3)', '(max 1.5 -2)', '(min 4)', '(min 3 1 2)', '(abs -3)', '(abs 2.5)', '(abs 0)', '(int 3.9)', '(int -3.9)', '(long 2.1)', '(double 3)',
    '(< 1 2 3)', '(< 1 3 2)', '(<= 1 1 2)', '(> 3 2 1)', '(>= 3 3 1)', '(< 1)', '(= 1 1.0)', '(== 1 1)', '(zero? 0)', '(zero? 0.0)', '(pos? 0)', '(neg? -0.5)',
    '(even? 0)', '(even? -2)', '(odd? -3)', '(number? 1.5)', '(number? "1")', '(int? 1)', '(int? 1.5)', '(double? 1.0)', '(double? 1.5)', '(compare 1 2)', '(compare 2.5 2.5)', '(compare 3 1)',
  ],
  parsing: [
    '(parse-long "42")', '(parse-long "-7")', '(parse-long "+7")', '(parse-long "4.2")', '(parse-long "")', '(parse-long "abc")', '(parse-long "99999999999999999999")', '(parse-long " 1")',
    '(parse-double "1.5")', '(parse-double "-0.25")', '(parse-double "1e3")', '(parse-double "NaN")', '(parse-double "Infinity")', '(parse-double "-Infinity")', '(parse-double "abc")', '(parse-double ".5")', '(parse-double "5.")', '(parse-double "12")',
  ],
  equality: [
    '(= 1 1)', '(= [1 2] [1 2])', '(= [1 2] (list 1 2))', '(= {:a 1} {:a 1})', '(= #{1 2} #{2 1})', '(= nil nil)', '(= nil false)', '(= "a" "a")', '(= :a :a)', '(= :a "a")', '(= [1 [2]] [1 [2]])',
    '(not= 1 2)', '(not= 1 1)', '(= 1 1 1)', '(= 1 1 2)', '(distinct? 1 2 3)', '(distinct? 1 2 1)', '(= {:a [1 2]} {:a (list 1 2)})', '(= (map inc [1 2]) [2 3])', '(= [] nil)', '(= {} nil)', '(= [] (list))',
  ],
  predicates: [
    '(nil? nil)', '(nil? false)', '(some? false)', '(some? nil)', '(true? true)', '(true? 1)', '(false? false)', '(false? nil)', '(boolean nil)', '(boolean 0)', '(boolean "")', '(not nil)', '(not 0)',
    '(string? "a")', '(string? :a)', '(keyword? :a)', '(keyword? "a")', '(boolean? false)', '(boolean? nil)', '(map? {})', '(map? [])', '(set? #{})', '(vector? [])', '(vector? (list))', '(list? (list 1))', '(list? [])',
    '(sequential? [])', '(sequential? {})', '(sequential? (list))', '(coll? {})', '(coll? "a")', '(coll? nil)', '(fn? inc)', '(fn? :a)', '(fn? #(inc %))', '(fn? {})', '(empty? [])', '(empty? nil)', '(empty? "")', '(empty? {:a 1})',
  ],
  strings: [
    '(str)', '(str nil)', '(str "a" 1 :b nil true)', '(str 1.5)', '(str :a/b)', '(str "a" "b" "c")', '(count "hello")', '(count "")', '(count "😀")', '(count (seq "😀"))', '(first "abc")', '(seq "ab")', '(seq "")',
    '(subs "hello" 1)', '(subs "hello" 1 3)', '(subs "hello" 5)', '(subs "" 0)', '(get "abc" 1)', '(get "abc" 5)', '(nth "abc" 2)', '(last "abc")', '(reverse "abc")', '(vec "ab")', '(apply str (reverse "abc"))',
    '(pr-str "a")', '(pr-str "a\\nb")', '(pr-str :a)', '(pr-str nil)', '(pr-str 1 "b")', '(pr-str [1 "a" :b])', '(pr-str {:a 1})', '(pr-str)', '(name :a)', '(name :a/b)', '(name "s")', '(namespace :a/b)', '(namespace :a)',
    '(keyword "a")', '(keyword "a" "b")', '(keyword :a)', '(keyword nil)', '(keyword 1)', '(keyword "a/b")', '(namespace (keyword "a/b"))', '(str (keyword "x" "y"))',
  ],
  'clojure.string': [
    '(clojure.string/upper-case "aBc")', '(clojure.string/lower-case "ABC")', '(clojure.string/capitalize "hELLO")', '(clojure.string/capitalize "")', '(clojure.string/capitalize "a")',
    '(clojure.string/trim "  a b  ")', '(clojure.string/triml "  a ")', '(clojure.string/trimr "  a ")', '(clojure.string/trim "\\n\\ta\\n")', '(clojure.string/trim-newline "a\\n\\r\\n")', '(clojure.string/trim-newline "a\\nb")',
    '(clojure.string/blank? "")', '(clojure.string/blank? "  ")', '(clojure.string/blank? nil)', '(clojure.string/blank? "a")', '(clojure.string/includes? "abc" "bc")', '(clojure.string/includes? "abc" "")',
    '(clojure.string/starts-with? "abc" "ab")', '(clojure.string/starts-with? "abc" "b")', '(clojure.string/ends-with? "abc" "bc")', '(clojure.string/index-of "abcb" "b")', '(clojure.string/index-of "abc" "z")', '(clojure.string/index-of "abc" "")',
    '(clojure.string/join ["a" "b"])', '(clojure.string/join ", " ["a" "b" "c"])', '(clojure.string/join "," [])', '(clojure.string/join "," [1 nil :k 2.5])', '(clojure.string/join "-" (range 3))', '(clojure.string/join "," "abc")',
    '(clojure.string/split "a,b,c" ",")', '(clojure.string/split "a,b,,," ",")', '(clojure.string/split "a,b,,," "," -1)', '(clojure.string/split "a,b,c" "," 2)', '(clojure.string/split "" ",")', '(clojure.string/split "," ",")',
    '(clojure.string/split "abc" "x")', '(clojure.string/split ",a" ",")', '(clojure.string/split "a.b" ".")', '(clojure.string/split "a b  c" " ")', '(clojure.string/split "a,b,c" "," 1)', '(clojure.string/split "a,,b,," "," 3)',
    '(clojure.string/split-lines "a\\nb")', '(clojure.string/split-lines "a\\nb\\n")', '(clojure.string/split-lines "a\\r\\nb")', '(clojure.string/split-lines "")', '(clojure.string/split-lines "\\n")', '(clojure.string/split-lines "a\\n\\nb")',
    '(clojure.string/replace "abcabc" "b" "x")', '(clojure.string/replace "abc" "" "-")', '(clojure.string/replace "aaa" "aa" "b")', '(clojure.string/replace "a.b" "." "!")', '(clojure.string/replace "" "a" "b")',
    '(clojure.string/reverse "abc")', '(clojure.string/reverse "")', '(clojure.string/reverse "a😀b")', '(clojure.string/upper-case "😀x")',
  ],
  'sequence access': [
    '(first [1 2])', '(first [])', '(first nil)', '(first {:a 1})', '(first (list 3))', '(second [1 2])', '(second [1])', '(last [1 2 3])', '(last [])', '(rest [1 2])', '(rest [])', '(rest nil)',
    '(next [1 2])', '(next [1])', '(next nil)', '(butlast [1 2 3])', '(butlast [1])', '(butlast nil)', '(nth [1 2] 1)', '(nth [1 2] 5 :nf)', '(nth nil 0)', '(nth nil 3 :nf)', '(nth (list 1 2) 0)', '(nth (range 5) 4)',
    '(seq [1])', '(seq [])', '(seq nil)', '(seq {:a 1})', '(peek [1 2])', '(peek [])', '(peek (list 1 2))', '(count nil)', '(count [1 2])', '(count {:a 1 :b 2})', '(count #{1})', '(count (list))',
    '(take 2 [1 2 3])', '(take 0 [1])', '(take -1 [1])', '(take 5 [1])', '(drop 1 [1 2 3])', '(drop 5 [1])', '(drop -1 [1 2])', '(take-last 2 [1 2 3])', '(take-last 0 [1 2])', '(take-last 5 [1 2])', '(take-last 1 [])', '(take-last 2 nil)',
    '(subvec [1 2 3] 1)', '(subvec [1 2 3] 1 2)', '(subvec [1 2 3] 3)', '(subvec [] 0 0)', '(reverse [1 2 3])', '(reverse [])', '(reverse nil)',
  ],
  'building collections': [
    '(conj [1] 2 3)', '(conj (list 1) 2 3)', '(conj #{1} 2 1)', '(conj {:a 1} [:b 2])', '(conj {:a 1} {:b 2 :c 3})', '(conj {:a 1} nil)', '(conj nil 1)', '(conj)', '(conj [1])', '(conj [] nil)',
    '(cons 0 [1 2])', '(cons 0 nil)', '(cons 0 (list 1))', '(concat [1] [2 3] nil [4])', '(concat)', '(concat "ab" [1])', '(into [] (list 1 2))', '(into [1] #{})', '(into {} [[:a 1] [:b 2]])', '(into {} [nil])', '(into {} [])',
    '(into #{} [1 1 2])', '(into (list) [1 2])', '(into nil [1 2])', '(into {:a 1} {:b 2})', '(vec nil)', '(vec (list 1 2))', '(vec {:a 1})', '(vector)', '(vector 1 nil)', '(list)', '(list 1 2)', '(set [1 1 2])', '(set nil)',
    '(hash-set)', '(hash-set 1 1)', '(count (hash-map :a 1 :b 2))', '(hash-map)', '(get (hash-map :a 1) :a)', '(zipmap [:a :b] [1 2])', '(zipmap [:a :b :c] [1])', '(zipmap [] [1])', '(empty [1 2])', '(empty {:a 1})', '(empty #{1})', '(empty nil)', '(empty (list 1))',
    '(range 3)', '(range 0)', '(range -2)', '(range 1 4)', '(range 4 1)', '(range 0 10 3)', '(range 10 0 -3)', '(range 0 1 0.1)', '(range 0 1 0.25)', '(range 1.5 4)', '(range 0 0 0)', '(range 2 2)', '(repeat 3 :x)', '(repeat 0 1)', '(repeat -1 1)',
  ],
  maps: [
    '(get {:a 1} :a)', '(get {:a 1} :b)', '(get {:a 1} :b 0)', '(get {:a nil} :a 0)', '(get nil :a)', '(get nil :a 1)', '(get [1 2] 0)', '(get [1 2] 5)', '(get [1 2] -1)', '(get #{:a} :a)', '(get #{:a} :b :nf)', '(get {[1 2] :v} [1 2])',
    '(get-in {:a {:b 1}} [:a :b])', '(get-in {:a {:b 1}} [:a :c] :nf)', '(get-in {:a [1 2]} [:a 1])', '(get-in {:a 1} [])', '(get-in nil [:a])', '(get-in {:a nil} [:a] :nf)',
    '(assoc {} :a 1)', '(assoc {:a 1} :a 2 :b 3)', '(assoc nil :a 1)', '(assoc [1 2] 0 :x)', '(assoc [1 2] 2 :x)', '(assoc [] 0 1)', '(assoc-in {} [:a :b] 1)', '(assoc-in {:a {:b 1}} [:a :c] 2)', '(assoc-in [[1 2]] [0 1] :x)', '(assoc-in nil [:a] 1)',
    '(dissoc {:a 1 :b 2} :a)', '(dissoc {:a 1} :z)', '(dissoc {:a 1 :b 2} :a :b)', '(dissoc nil :a)', '(dissoc {:a 1})', '(update {:a 1} :a inc)', '(update {:a 1} :a + 10 100)', '(update {} :a (fnil inc 0))', '(update [1 2] 0 inc)', '(update {:a [1]} :a conj 2)',
    '(update-in {:a {:b 1}} [:a :b] inc)', '(update-in {} [:a :b] (fnil inc 0))', '(update-in {:a 1} [] (constantly 2))', '(update-in {:a [1 2]} [:a 1] * 10)', '(update-in nil [:a] (fnil inc 1))',
    '(merge {:a 1} {:b 2} {:a 3})', '(merge)', '(merge nil)', '(merge nil {:a 1})', '(merge {:a 1} nil)', '(merge-with + {:a 1 :b 2} {:a 10})', '(merge-with into {:a [1]} {:a [2]} {:a [3] :b []})', '(merge-with + nil {:a 1})',
    '(select-keys {:a 1 :b 2} [:a :z])', '(select-keys {} [:a])', '(select-keys {:a nil} [:a])', '(keys {:a 1 :b 2})', '(keys {})', '(keys nil)', '(vals {:a 1 :b 2})', '(vals {})', '(find {:a 1} :a)', '(find {:a 1} :b)', '(find {:a nil} :a)',
    '(contains? {:a 1} :a)', '(contains? {:a nil} :a)', '(contains? {:a 1} :b)', '(contains? [5 6] 1)', '(contains? [5 6] 2)', '(contains? #{1} 1)', '(contains? nil 1)', '(contains? "ab" 1)',
    '(key (first {:a 1}))', '(val (first {:a 1}))', '(map key {:a 1 :b 2})', '(map val {:a 1 :b 2})', '(update-vals {:a 1 :b 2} inc)', '(update-vals {} inc)', '(update-keys {:a 1 :b 2} name)', '(update-keys {:a 1} (constantly :k))',
    '(reduce-kv (fn [m k v] (assoc m v k)) {} {:a 1 :b 2})', '(reduce-kv (fn [acc i x] (+ acc (* i x))) 0 [5 6 7])', '(reduce-kv (fn [a k v] (reduced k)) nil {:a 1 :b 2})', '(frequencies [:a :b :a])', '(frequencies [])', '(group-by odd? [1 2 3])', '(group-by count ["a" "bb" "c"])',
    '(:a {:a 1})', '(:b {:a 1} 9)', '({:a 1} :a)', '({:a 1} :b :nf)', '(:a nil)', '(#{1 2} 2)', '(#{1 2} 3)', '([5 6] 1)', '(not-empty {})', '(not-empty {:a 1})', '(not-empty [])', '(not-empty "")', '(not-empty "a")',
  ],
  sets: [
    '(disj #{1 2 3} 2)', '(disj #{1 2} 3)', '(disj #{1 2 3} 1 2)', '(disj nil 1)', '(disj #{1})', '(conj #{} [1 2] [1 2])', '(contains? #{[1 2]} [1 2])', '(count #{1 2 2})', '(sort #{3 1 2})',
    '(clojure.set/union #{1 2} #{2 3})', '(clojure.set/union)', '(clojure.set/union #{1})', '(clojure.set/union #{1} nil)', '(clojure.set/intersection #{1 2 3} #{2 3 4} #{3})', '(clojure.set/intersection #{1} #{2})',
    '(clojure.set/difference #{1 2 3} #{2})', '(clojure.set/difference #{1 2 3} #{2} #{3})', '(clojure.set/difference #{1})', '(clojure.set/subset? #{1} #{1 2})', '(clojure.set/subset? #{} #{1})', '(clojure.set/subset? #{3} #{1 2})',
    '(clojure.set/superset? #{1 2} #{1})', '(clojure.set/superset? #{1} #{1 2})', '(clojure.set/select odd? #{1 2 3})', '(clojure.set/select odd? #{})', '(clojure.set/map-invert {:a 1 :b 2})', '(clojure.set/map-invert {})',
    '(clojure.set/rename-keys {:a 1 :b 2} {:a :x})', '(clojure.set/rename-keys {:a 1 :b 2} {:a :b :b :a})', '(clojure.set/rename-keys {:a 1} {:z :y})', '(clojure.set/project #{{:a 1 :b 2} {:a 1 :b 3}} [:a])', '(clojure.set/project #{{:a 1}} [:z])',
    '(clojure.set/rename #{{:a 1 :b 2}} {:a :x})', '(clojure.set/index #{{:a 1 :b 2} {:a 1 :b 3} {:a 2 :b 2}} [:a])', '(clojure.set/join #{{:a 1 :b 2} {:a 2 :b 3}} #{{:a 1 :c 5}})', '(clojure.set/join #{{:a 1}} #{{:b 2}})',
    '(clojure.set/join #{{:a 1 :b 2}} #{{:x 1 :c 3}} {:a :x})', '(clojure.set/join #{} #{{:a 1}})',
  ],
  'higher-order': [
    '(map inc [1 2])', '(map + [1 2] [10 20 30])', '(map inc nil)', '(map vector [1 2] [:a :b] ["x" "y"])', '(mapv inc (list 1 2))', '(mapv + [1] [2])', '(map-indexed vector [:a :b])', '(map-indexed (fn [i x] (* i x)) [])',
    '(mapcat (fn [x] [x x]) [1 2])', '(mapcat reverse [[1 2] [3 4]])', '(mapcat identity [])', '(filter odd? [1 2 3])', '(filter odd? nil)', '(filterv even? [1 2 3 4])', '(remove odd? [1 2 3])', '(filter #{1 2} [0 1 2 3])', '(filter :a [{:a 1} {:b 2}])',
    '(keep #(when (odd? %) (* % 10)) [1 2 3])', '(keep identity [1 nil false 2])', '(keep-indexed (fn [i x] (when (odd? i) x)) [:a :b :c :d])', '(keep-indexed vector [])',
    '(reduce + [1 2 3])', '(reduce + [])', '(reduce + 10 [1 2])', '(reduce + 10 [])', '(reduce + [5])', '(reduce conj [] (list 1 2))', '(reduce (fn [a x] (if (> x 2) (reduced a) (+ a x))) 0 [1 2 3 4])', '(reduce (fn [a x] (reduced :stop)) 0 [1])',
    '(reduce max [3 1 4])', '(reduce str ["a" "b"])', '(reduced? (reduced 1))', '(reduced? 1)', '(unreduced (reduced 5))', '(unreduced 5)', '(reduce (fn [a x] (if (= x 3) (reduced (* a 100)) (+ a x))) (range 10))',
    '(some even? [1 2 3])', '(some even? [1 3])', '(some #{3} [1 3])', '(some :a [{:b 1} {:a 2}])', '(some even? nil)', '(every? odd? [1 3])', '(every? odd? [])', '(every? odd? [1 2])', '(not-any? odd? [2 4])', '(not-any? odd? [1])',
    '(not-every? odd? [1 2])', '(not-every? odd? [1 3])', '(not-every? odd? [])', '(take-while pos? [1 2 -1 3])', '(take-while pos? [])', '(drop-while pos? [1 2 -1 3])', '(drop-while pos? [1 2])',
    '(sort [3 1 2])', '(sort [])', '(sort > [3 1 2])', '(sort ["b" "a" "C"])', '(sort [:b :a :a/c :b/a])', '(sort [[2 1] [1 2 3] [1 1]])', '(sort compare [3 1])', '(sort [nil 2 1])', '(sort [true false])', '(sort [1.5 1 -2])',
    '(sort-by count ["ccc" "a" "bb"])', '(sort-by :a [{:a 2} {:a 1}])', '(sort-by - [1 3 2])', '(sort-by first > [[1 :a] [3 :b] [2 :c]])', '(sort-by identity [])', '(sort-by count [[1 2] [3] [4 5]])',
    '(compare :b :a/c)', '(compare :a/b :a/a)', '(compare :a :b)', '(compare :b :a)', '(compare :x/a :a)', '(compare "a" "b")', '(compare "b" "a")', '(compare nil 1)', '(compare 1 nil)', '(compare [1 2] [1 3])', '(compare [1 2 3] [2])', '(compare false true)',
    '(group-by :k [{:k 1 :v :a} {:k 2} {:k 1 :v :b}])', '(frequencies "abca")', '(distinct [1 2 1 3 2])', '(distinct [])', '(dedupe [1 1 2 2 1])', '(dedupe [])', '(dedupe [nil nil 1])',
    '(interleave [1 2 3] [:a :b])', '(interleave)', '(interleave [1])', '(interpose :x [1 2 3])', '(interpose :x [])', '(interpose :x [1])', '(flatten [1 [2 [3 [4]]] 5])', '(flatten [])', '(flatten nil)', '(flatten 5)', '(flatten [[] [1]])', '(flatten [{:a 1}])',
    '(partition 2 [1 2 3 4 5])', '(partition 2 1 [1 2 3])', '(partition 3 [1 2])', '(partition 2 3 [1 2 3 4 5 6])', '(partition-all 2 [1 2 3])', '(partition-all 2 1 [1 2 3])', '(partition-all 3 [])',
    '(partition-by odd? [1 3 2 4 5])', '(partition-by identity [])', '(partition-by count ["a" "b" "cc" "d"])', '(max-key count "a" "bbb" "cc")', '(min-key count "aa" "b" "c")', '(max-key - 1 2 3)', '(max-key inc 5)', '(min-key abs -3 2 -1)',
  ],
  functions: [
    '((comp inc inc) 1)', '((comp) 5)', '((comp str +) 1 2)', '((comp - *) 2 3)', '((partial + 1 2) 3)', '((partial str "a"))', '((juxt inc dec) 5)', '((juxt :a :b) {:a 1 :b 2})', '((constantly 7) 1 2 3)', '((constantly nil))',
    '((complement odd?) 2)', '((complement nil?) nil)', '((fnil + 0) nil 2)', '((fnil + 0 0) nil nil)', '((fnil + 1 2 3) nil nil nil)', '((fnil str "x") nil "y")', '((fnil inc 0) 5)', '(identity 3)', '(apply + [1 2])', '(apply + 1 2 [3 4])', '(apply str [])',
    '(apply max [1 5 2])', '(apply vector 1 [2])', '(apply hash-map [:a 1])', '(apply concat [[1] [2]])', '(run! inc [1 2])', '(run! inc [])', '((fn [x] (* x x)) 4)', '((fn [& xs] (count xs)) 1 2 3)', '((fn [& xs] xs))', '((fn [a & xs] [a xs]) 1)',
    '((fn ([] :zero) ([x] x) ([x & ys] ys)) 1 2)', '((fn ([] :zero) ([x] x)))', '((fn f [n] (if (zero? n) :done (f (dec n)))) 3)', '(#(+ %1 %2) 1 2)', '(#(* % %) 3)', '(#(vector %&) 1 2)', '(#(vector % %&) 1)', '(#(str %2 %1) "a" "b")',
    '(map #(* 2 %) [1 2])', '(#(do %3) 1 2 3)', '(#(identity {:k %}) 1)', '(#(vec %&))', '(filter #(> % 1) [1 2 3])', '((fn [{:keys [a] :or {a 5}}] a) {})', '((fn [[x y]] (+ x y)) [1 2])',
  ],
  destructuring: [
    '(let [[a b] [1 2]] [a b])', '(let [[a b] [1]] [a b])', '(let [[a & r] [1 2 3]] [a r])', '(let [[a & r] [1]] [a r])', '(let [[a :as all] [1 2]] [a all])', '(let [[a [b c]] [1 [2 3]]] [a b c])', '(let [[a b] nil] [a b])',
    '(let [[a b] "xy"] [a b])', '(let [[a b] (list 1 2)] [a b])', '(let [{a :a b :b} {:a 1 :b 2}] [a b])', '(let [{:keys [a b]} {:a 1}] [a b])', '(let [{:keys [a] :or {a 9}} {}] a)', '(let [{:keys [a] :or {a 9}} {:a nil}] a)',
    '(let [{:strs [a]} {"a" 1}] a)', '(let [{:syms [a]} {(quote a) 1}] a)', '(let [{:keys [a] :as m} {:a 1 :z 2}] [a m])', '(let [{:keys [x/a]} {:x/a 1}] a)', '(let [{:keys [a]} nil] a)', '(let [{:keys [a]} [:a 1]] a)',
    '(let [{a :a} 5] a)', '(let [{a 0} [7 8]] a)', '(let [{a 1} "xyz"] a)', '(let [{[p q] :pair} {:pair [1 2]}] [p q])', '(let [{{c :c} :b} {:b {:c 3}}] c)', '((fn [& {:keys [a b]}] [a b]) :a 1 :b 2)', '((fn [x & {:as opts}] [x opts]) 1 :k 2)',
    '(let [[_ _ c] [1 2 3]] c)', '(let [x 1 x (inc x)] x)', '(let [[a b & {:keys [c]}] [1 2 :c 3]] [a b c])', '(let [{:keys [a] :or {a (+ 1 2)}} {}] a)', '(loop [[x & xs] [1 2 3] acc 0] (if x (recur xs (+ acc x)) acc))',
  ],
  'special forms': [
    '(if true 1 2)', '(if nil 1 2)', '(if false 1)', '(if 0 :t :f)', '(if "" :t :f)', '(if [] :t :f)', '(if-not true 1 2)', '(if-not nil 1 2)', '(if-not false 1)', '(when true 1 2)', '(when nil 1)', '(when-not nil :x)', '(when-not 1 :x)', '(do)', '(do 1 2)',
    '(let [] 5)', '(let [x 1] (let [x 2] x))', '(cond)', '(cond false 1 :else 2)', '(cond nil 1 false 2)', '(cond 1 :one)', '(case 1 1 :a 2 :b)', '(case 3 1 :a :default)', '(case "x" "x" 1 2)', '(case :k :k 1 2)', '(case [1] [1] :v :no)',
    '(case nil nil :nil :other)', '(case 2 (1 2) :low :high)', '(case (quote a) a :sym :no)', '(and)', '(and 1 2)', '(and 1 nil 2)', '(and false nil)', '(or)', '(or nil false)', '(or nil 2 3)', '(or false)',
    '(if-let [x 1] (inc x) :no)', '(if-let [x nil] x :no)', '(if-let [x false] x)', '(if-let [[a] [1]] a :no)', '(when-let [x 2] (* x x))', '(when-let [x nil] 1)', '(when-let [[a b] [1 2]] (+ a b))',
    '(loop [i 0 acc []] (if (< i 3) (recur (inc i) (conj acc i)) acc))', '(loop [] 1)', '(loop [n 5 f 1] (if (pos? n) (recur (dec n) (* f n)) f))', '((fn [n acc] (if (zero? n) acc (recur (dec n) (+ acc n)))) 100 0)',
    '(-> 1 inc (* 2))', '(-> {:a 1} :a)', '(-> [1 2] (conj 3) count)', '(-> 5 (- 2))', '(->> 5 (- 2))', '(->> [1 2 3] (map inc) (reduce +))', '(->> (range 5) (filter odd?) vec)', '(-> 1)',
    '(some-> {:a 1} :a inc)', '(some-> {:a 1} :b inc)', '(some-> nil inc)', '(some->> [1 2] (map inc) first)', '(some->> nil (map inc))', '(some->> {:a 1} :b (+ 1))',
    '(cond-> 1 true inc)', '(cond-> 1 false inc)', '(cond-> 1 true inc true (* 10) false (- 100))', '(cond-> [] true (conj 1) nil (conj 2))', '(cond->> [1 2] true (map inc))', '(cond->> 5 true (- 10) false (- 1))', '(cond-> {:a 1} (= 1 1) (assoc :b 2))',
    '(as-> 1 x (inc x) (* x 10))', '(as-> [1 2] v (conj v 3) (count v))', '(as-> 5 x)', '(condp = 2 1 :a 2 :b :c)', '(condp = 9 1 :a :default)', '(condp < 5 10 :gt10 3 :gt3 :none)', '(condp some [1 2 3] #{0} :zero #{2} :>> inc :none)', '(condp = :x :x 1)',
    '(quote (1 2))', '(quote a)', '(quote {:a b})', "'(1 2)", "'x", "(first '(a b))", '(let [f (fn [] 1)] (f))', '((fn [x] (when (pos? x) (recur (dec x)))) 3)',
  ],
  for: [
    '(for [x [1 2 3]] (* x x))', '(for [x []] x)', '(for [x nil] x)', '(for [x [1 2] y [:a :b]] [x y])', '(for [x [1 2 3] :when (odd? x)] x)', '(for [x [1 2 3 4] :while (< x 3)] x)', '(for [x (range 4) :let [y (* x 10)]] y)',
    '(for [x [1 2 3] y [1 2 3] :while (< y x)] [x y])', '(for [x [1 2 3] :while (< x 3) y [:a :b]] [x y])', '(for [x (range 6) :let [y (* x x)] :when (even? y) :let [z (inc y)]] z)', '(for [[k v] {:a 1 :b 2}] [v k])',
    '(for [x [1 2] y (range x)] [x y])', '(for [x [[1 2] [3]] y x] y)', '(for [x [1 2 3] :when (odd? x) y [x (* 10 x)]] y)', '(for [x "ab"] x)', '(for [{:keys [a]} [{:a 1} {:a 2}]] a)', '(for [x [1 2] :when false] x)',
    '(for [x (range 3) y (range 3) :when (not= x y) :while (< y 2)] [x y])', '(for [x [1 2] :let [a 1 b 2]] (+ x a b))', '(count (for [x (range 10) y (range 10)] [x y]))', '(doseq [x [1 2]] x)', '(doseq [x [1 2] y [3]] (+ x y))', '(doseq [x []] x)',
    '(run! identity [1 2])',
  ],
  'resolving before running': ['(if false undefined-thing 1)', '(when false (nope 1))', '(let [x 1] (if x x y))', '(fn [] z)', "(quote (undefined 1))", '(case 1 a 2 3)', '(let [{:keys [a] :or {a b}} {:a 1}] a)'],
  'fn literals': [
    '(#(+ 1 %) 2)', '(#(vector %1 %2 %3) 1 2 3)', '(#(list %&) 1 2)', '(#(do [%1 %&]) 1 2 3)', '(#(count %&))', '(#(str %) :k)', '(map #(vector % (* % %)) [1 2])', '(reduce #(+ %1 (* %2 %2)) 0 [1 2 3])', '(#(if % :t :f) nil)',
    '(#(let [x %] (* x 2)) 4)', '(#(hash-map :a %) 1)', '(sort-by #(- %) [1 3 2])', '(#(get % :a) {:a 5})', '(filter #(contains? #{:a} %) [:a :b])', '(#(identity #{%}) 1)',
  ],
}

/**
 * Cases that differ from ClojureScript on purpose, each tied to a row of README's table
 * ("Flow code and Clojure: the differences"); the test checks they still do.
 */
export const DOCUMENTED: Record<string, string[]> = {
  'sequence functions return vectors (no lazy seqs)': ['(conj (map inc [1 2]) 0)', '(vector? (map inc [1]))', '(str (map inc [1]))', '(peek (filter odd? [1 3]))'],
  'split takes a literal string (EDN has no regex literals)': ['(clojure.string/split "ab" "")'],
  'division by zero fails the run': ['(/ 1.0 0)', '(/ 1 0)', '(mod 1 0)'],
  'map entries are [k v] vectors': ['(key [:a 1])', '(val [:a 1])'],
  'argument counts and types are checked': ['((fn [a b] a) 1)', '(inc nil)', '(+ 1 "2")', '(subs "abc" 2 1)', '(subs "abc" 5)'],
  'clojure.string functions also answer to str/ and string/ without a require': ['(str/upper-case "x")', '(string/lower-case "X")', '(str/join "," [1 2])'],
  'a keyword is kept as its "ns/name" text, so an empty namespace and name are lost': ['(namespace (keyword "" ""))'],
}
