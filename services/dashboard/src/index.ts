import { resolve } from 'node:path';

/**
 * Absolute path of the dashboard's static files (HTML, CSS, ES modules). Serve it at `/` next to
 * `/graphql`, e.g. `startApiServer(deps, { staticDir: DASHBOARD_DIR })`. The files need no build
 * step: this resolves the same from `src/` (tests) and `dist/` (the built package).
 */
export const DASHBOARD_DIR = resolve(__dirname, '../public');
