#!/usr/bin/env node
// dist/bundle is the production build (scripts/bundle.mjs, part of `npm run build`).
import {execute, settings} from '../dist/bundle/cli/main.js'

// Always the bundle: under NODE_ENV=test or development oclif would otherwise look for the
// TypeScript source of dist/bundle/commands (there is none) and warn on stderr.
settings.enableAutoTranspile = false
await execute({dir: import.meta.url})
