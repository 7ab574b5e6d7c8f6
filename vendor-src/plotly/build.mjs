// plotly.js's own custom-bundle task (tasks/custom_bundle.mjs, in its git repository only) runs
// esbuild with these options on an index like ours; this is the same with nothing of the repository.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const version = JSON.parse(readFileSync('node_modules/plotly.js/package.json', 'utf8')).version;
const traces = ['scatter', 'bar'];
await build({
  entryPoints: ['index.js'],
  outfile: '../../static/vendor/plotly/plotly-partial.min.js',
  format: 'iife',
  globalName: 'Plotly',
  bundle: true,
  minify: true,
  target: 'es2016',
  define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
  // Only the map traces (never registered here) require MapLibre's stylesheet: nothing to bundle.
  loader: { '.css': 'empty' },
  banner: {
    js: `/**\n* plotly.js (partial: ${traces.join(', ')} - minified) v${version}\n` +
      '* Built by vendor-src/plotly (npm ci && npm run build); no eval, no inline style.\n' +
      '* Copyright 2012-2026, Plotly, Inc. All rights reserved. Licensed under the MIT license\n*/',
  },
  legalComments: 'eof',
  logLevel: 'info',
});
