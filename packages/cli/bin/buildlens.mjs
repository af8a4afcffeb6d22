#!/usr/bin/env node
// The launcher npm links as `buildlens`; `npm run build` writes the bundle it loads.
import "../dist/buildlens.cjs"
