#!/usr/bin/env node
// The velox CLI is TypeScript; tsx loads it on Node 20, which cannot strip types itself.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/velox.ts')
