/** A flow's slug: its stable name in files, URLs and commands. */
import {BreytaError} from '../errors.js'

const SLUG = /^[a-z0-9][a-z0-9-]*$/

export function assertSlug(slug: string): string {
  if (!SLUG.test(slug)) {
    throw new BreytaError('invalid_input', `invalid flow slug "${slug}"`, {
      hint: 'A slug is lower-case letters, digits and dashes, starting with a letter or digit.',
    })
  }
  return slug
}
