import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A throw-away certificate for `localhost` / 127.0.0.1 and its key, PEM, made for one test run. */
export interface SelfSigned {
  cert: string;
  key: string;
  /** Files holding them (for EDGEIM_GATEWAY_TLS_CERT_FILE / _KEY_FILE); removed by `dispose`. */
  certFile: string;
  keyFile: string;
  dispose(): void;
}

/** Generates a P-256 self-signed certificate with `openssl` (valid one day); nothing is committed. */
export function selfSignedCertificate(): SelfSigned {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgeim-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' });
  return {
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    certFile,
    keyFile,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
