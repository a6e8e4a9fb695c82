import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LOCAL_API_KEY, LOCAL_JWT_SECRET } from '../shared/config.js';
import { signToken } from '../shared/domain/auth.js';

/** A deployment to smoke-test: its endpoints and how to get in. */
export interface SmokeTarget {
  /** `wss://…/prod` (or the local `ws://127.0.0.1:3001`). */
  webSocketUrl: string;
  /** The push API's base URL. */
  pushApiUrl: string;
  /** The goim gateway, when the stack has one. */
  gateway?: {
    host: string;
    /** goim TCP: the TLS listener (`tls: true`) or the plaintext one. */
    tcp?: { port: number; tls: boolean };
    /** goim WebSocket: `wss://host:port/sub` or `ws://…`. */
    ws?: { url: string };
  };
  apiKey: string;
  /** A token for a user id. */
  token(uid: string): Promise<string>;
  /** PEM of a private CA to trust for TLS (a self-signed local gateway). */
  ca?: string;
}

/** Stack outputs by name, as `cdk deploy --outputs-file` writes them (one stack) or as `Key=Value` arguments. */
export type StackOutputs = Record<string, string>;

/**
 * Reads stack outputs from the command line: a JSON file written by
 * `cdk deploy --outputs-file FILE` (`{"EdgeIm": {"WebSocketUrl": …}}`; `stack` picks one
 * when it holds several) and/or `Key=Value` pairs, later ones winning.
 */
export function readOutputs(args: readonly string[], stack?: string): StackOutputs {
  const out: StackOutputs = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq > 0) {
      out[arg.slice(0, eq)] = arg.slice(eq + 1);
      continue;
    }
    const file = JSON.parse(readFileSync(arg, 'utf8')) as Record<string, unknown>;
    const stacks = Object.entries(file).filter(([, v]) => v && typeof v === 'object') as [string, Record<string, string>][];
    const chosen = stack ? stacks.find(([name]) => name === stack) : stacks.length === 1 ? stacks[0] : undefined;
    if (stacks.length === 0) Object.assign(out, file as StackOutputs);
    else if (chosen) Object.assign(out, chosen[1]);
    else throw new Error(`${arg} holds stacks ${stacks.map(([n]) => n).join(', ')}: pick one with --stack NAME`);
  }
  return out;
}

export interface Credentials {
  /** HS256 secret to mint tokens with. Default: the JwtSecretArn output's value (Secrets Manager), or the local one with `local`. */
  jwtSecret?: string;
  /** Tokens by uid (JWKS stacks, where the smoke test cannot mint tokens). */
  tokens?: Record<string, string>;
  /** Push API key. Default: the first key in the ApiKeysSecretArn output's value, or the local one with `local`. */
  apiKey?: string;
  /** The local stack's well-known secret and key (`npm start`). */
  local?: boolean;
  /** Host name on the gateway's certificate, when it is not the load balancer's DNS name. */
  gatewayHost?: string;
  ca?: string;
}

/** The target described by stack outputs, with secrets read from Secrets Manager unless given. */
export async function targetFromOutputs(outputs: StackOutputs, creds: Credentials = {}): Promise<SmokeTarget> {
  const need = (key: string) => {
    const v = outputs[key];
    if (!v) throw new Error(`missing stack output ${key} (have: ${Object.keys(outputs).join(', ') || 'none'})`);
    return v;
  };
  const jwtSecret = creds.jwtSecret ?? (creds.local ? LOCAL_JWT_SECRET : outputs.JwtSecretArn ? await secretValue(outputs.JwtSecretArn) : undefined);
  const apiKey = creds.apiKey ?? (creds.local ? LOCAL_API_KEY : (await secretValue(need('ApiKeysSecretArn'))).split(',')[0]!.trim());
  const token = async (uid: string) => {
    const given = creds.tokens?.[uid];
    if (given) return given;
    if (!jwtSecret) throw new Error(`no token for ${uid}: the stack verifies tokens with a JWKS URL, pass --token ${uid}=JWT`);
    return signToken(uid, jwtSecret, 3600);
  };
  const host = creds.gatewayHost ?? outputs.GatewayHost;
  let gateway: SmokeTarget['gateway'];
  if (host) {
    const tls = outputs.GatewayTlsPort ? Number(outputs.GatewayTlsPort) : undefined;
    const plain = outputs.GatewayTcpPort ? Number(outputs.GatewayTcpPort) : undefined;
    const wss = outputs.GatewayWssPort ? Number(outputs.GatewayWssPort) : undefined;
    const ws = outputs.GatewayWsPort ? Number(outputs.GatewayWsPort) : undefined;
    gateway = {
      host,
      ...(tls ? { tcp: { port: tls, tls: true } } : plain ? { tcp: { port: plain, tls: false } } : {}),
      ...(wss ? { ws: { url: `wss://${host}:${wss}/sub` } } : ws ? { ws: { url: `ws://${host}:${ws}/sub` } } : {}),
    };
  }
  return {
    webSocketUrl: need('WebSocketUrl'),
    pushApiUrl: need('PushApiUrl').replace(/\/+$/, ''),
    apiKey,
    token,
    ...(gateway ? { gateway } : {}),
    ...(creds.ca ? { ca: creds.ca } : {}),
  };
}

/** A Secrets Manager secret's string value (region from its ARN; credentials from the usual AWS chain). */
async function secretValue(arn: string): Promise<string> {
  const region = arn.split(':')[3];
  const client = new SecretsManagerClient(region ? { region } : {});
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (!out.SecretString) throw new Error(`secret ${arn} has no string value`);
    return out.SecretString;
  } finally {
    client.destroy();
  }
}
