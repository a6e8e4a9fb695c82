/**
 * `npm run smoke -- <stack outputs>`: connects, sends, syncs and pushes against a deployed
 * stack (or the local one) and prints one line per check; exits 1 if any check failed.
 *
 *   npx cdk deploy --outputs-file outputs.json && npm run smoke -- outputs.json
 *   npm run smoke -- outputs.json GatewayHost=gw.example.com       # the name on your certificate
 *   npm run smoke -- --local                                         # against `npm start`
 *
 * Secrets come from the stack's JwtSecretArn / ApiKeysSecretArn outputs through your AWS
 * credentials, unless given (--jwt-secret, --api-key, --token uid=JWT for JWKS stacks).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runSmoke } from './run-smoke.js';
import { readOutputs, targetFromOutputs, type Credentials, type StackOutputs } from './smoke-target.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** What `npm start` listens on by default. */
const LOCAL_OUTPUTS: StackOutputs = {
  WebSocketUrl: 'ws://127.0.0.1:3001',
  PushApiUrl: 'http://127.0.0.1:3000',
  GatewayHost: '127.0.0.1',
  GatewayTcpPort: '3101',
  GatewayWsPort: '3102',
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    stack: { type: 'string' },
    local: { type: 'boolean' },
    'jwt-secret': { type: 'string' },
    'api-key': { type: 'string' },
    token: { type: 'string', multiple: true },
    'gateway-host': { type: 'string' },
    ca: { type: 'string' },
    skip: { type: 'string', multiple: true },
    'timeout-ms': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help || (positionals.length === 0 && !values.local)) {
  console.log(`npm run smoke -- [outputs.json] [Key=Value …] [options]

Stack outputs: the file \`cdk deploy --outputs-file FILE\` writes, and/or Key=Value pairs
(WebSocketUrl, PushApiUrl, JwtSecretArn, ApiKeysSecretArn, GatewayHost, GatewayTlsPort,
GatewayWssPort, GatewayTcpPort, GatewayWsPort).

  --stack NAME           the stack in an outputs file that holds several
  --local                the local stack (\`npm start\`): its ports and well-known secret and key
  --jwt-secret S         HS256 secret (default: read JwtSecretArn from Secrets Manager)
  --api-key K            push API key (default: the first key in ApiKeysSecretArn)
  --token uid=JWT        a token for a user (JWKS stacks; users then come from these)
  --gateway-host NAME    connect to the gateway by this name (the one on its certificate)
  --ca FILE              trust this CA (PEM) for TLS, e.g. a self-signed local gateway
  --skip CHECK           leave a check out (e.g. --skip ping)
  --timeout-ms N         time each check may take (default 20000)`);
  process.exit(values.help ? 0 : 2);
}

const outputs = { ...(values.local ? LOCAL_OUTPUTS : {}), ...readOutputs(positionals, values.stack) };
const tokens = Object.fromEntries((values.token ?? []).map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)]));
const creds: Credentials = {
  ...(values.local ? { local: true } : {}),
  ...(values['jwt-secret'] ? { jwtSecret: values['jwt-secret'] } : {}),
  ...(values['api-key'] ? { apiKey: values['api-key'] } : {}),
  ...(Object.keys(tokens).length ? { tokens } : {}),
  ...(values['gateway-host'] ? { gatewayHost: values['gateway-host'] } : {}),
  ...(values.ca ? { ca: readFileSync(values.ca, 'utf8') } : {}),
};

const target = await targetFromOutputs(outputs, creds);
console.log(`smoke test of ${target.webSocketUrl}${target.gateway ? ` and ${target.gateway.host}` : ''}\n`);
const users = Object.keys(tokens);
if (users.length === 1) throw new Error('--token: give tokens for two users');
const results = await runSmoke(target, {
  ...(users.length >= 2 ? { users: [users[0]!, users[1]!] as const } : {}),
  ...(values.skip ? { skip: values.skip } : {}),
  ...(values['timeout-ms'] ? { timeoutMs: Number(values['timeout-ms']) } : {}),
});
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} of ${results.length} checks passed`);
process.exit(failed.length === 0 ? 0 : 1);
