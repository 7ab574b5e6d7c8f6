'use strict';
// plotly.js's core (layout, axes, legend, colour bars, shapes, annotations, mode bar) and the only
// trace types reformdash's figures use: `scatter` (lines, markers, the maps) and `bar`. Add one
// here, and rebuild, before a charts module uses another (tests/reformdash/test_csp.py checks).
var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/scatter'), require('plotly.js/lib/bar')]);

module.exports = Plotly;
