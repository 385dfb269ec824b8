/**
 * How deep data may nest. Readers, the projection and the interpreter recurse over values, so
 * input nested thousands deep would overflow the stack and surface as `internal`; it is
 * refused up front instead, naming where it goes too deep. 512 is far beyond any real flow or
 * payload and far below the depth where Node's stack runs out (~2,000 levels measured).
 */
export const MAX_NESTING = 512

/**
 * The path (`$.a[0].b…`, shortened) where parsed JSON first nests deeper than `max`, or
 * undefined. Iterative: it must not itself overflow on the input it guards against.
 */
export function tooDeep(value: unknown, max = MAX_NESTING): string | undefined {
  const stack: {v: unknown; depth: number; path: string}[] = [{v: value, depth: 0, path: '$'}]
  while (stack.length > 0) {
    const {v, depth, path} = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    if (depth >= max) return path.length > 80 ? `${path.slice(0, 40)}…${path.slice(-36)}` : path
    if (Array.isArray(v)) v.forEach((x, i) => stack.push({v: x, depth: depth + 1, path: `${path}[${i}]`}))
    else for (const [k, x] of Object.entries(v as Record<string, unknown>)) stack.push({v: x, depth: depth + 1, path: `${path}.${k}`})
  }
  return undefined
}
