import {randomBytes} from 'node:crypto'

/** A fresh secret value per demo run, so `grep -r` of the workspace can show it never leaked. */
export const secretValue = (prefix) => `${prefix}-${randomBytes(9).toString('base64url')}`
