#!/usr/bin/env node
// graphql-js and NestJS run their development-time checks unless told otherwise; the CLI is how the
// product runs, so it runs as production (set NODE_ENV to override).
process.env.NODE_ENV ??= 'production';
require('../dist/main.js').main(process.argv);
