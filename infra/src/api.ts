/**
 * The API on its own (production topology: 1..n replicas behind a load balancer; workers run
 * elsewhere). Listens on all interfaces unless AIP_HOST says otherwise.
 */
import { loadConfig } from '@aip/platform';
import { startApiServer } from './api-server.ts';
import { openServices } from './services.ts';

const config = loadConfig();
const { database, blobs } = await openServices(config);
const api = await startApiServer(config, database.db, blobs, process.env.AIP_HOST ?? '0.0.0.0');
console.log(
  `AIP API listening on port ${config.port}; sign in as ${api.adminEmail}` +
    (api.passwordFile ? ` (first password in ${api.passwordFile})` : '') +
    (api.token ? `; admin API token in ${api.tokenFile}` : ''),
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void api.close().then(() => database.close());
  });
}
