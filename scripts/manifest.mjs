// Build step: write oclif.manifest.json so the CLI does not import every command module at
// start-up. Generated from dist/ on every build (and git-ignored), so it can never go stale.
import {Config} from '@oclif/core'
import fs from 'node:fs'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
fs.rmSync(new URL('../oclif.manifest.json', import.meta.url), {force: true})
const config = await Config.load({root, ignoreManifest: true})
const plugin = config.plugins.get(config.pjson.name)
const manifest = plugin.manifest
fs.writeFileSync(new URL('../oclif.manifest.json', import.meta.url), JSON.stringify(manifest) + '\n')
console.log(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands`)
