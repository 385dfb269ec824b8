#!/usr/bin/env node
// dist/bundle is the production build (scripts/bundle.mjs, part of `npm run build`).
import {execute} from '../dist/bundle/cli/main.js'

await execute({dir: import.meta.url})
