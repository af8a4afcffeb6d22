#!/usr/bin/env node
// The launcher npm links as `buildlens`; `npm run build` writes the bundle it loads. require() rather
// than import: importing a CommonJS file makes Node scan all of it for export names first (~65 ms here).
import { createRequire } from "node:module"

createRequire(import.meta.url)("../dist/buildlens.cjs")
