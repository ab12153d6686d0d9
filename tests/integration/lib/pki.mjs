// Test certificates made with the openssl CLI: a CA per test, leaf
// certificates for 127.0.0.1 signed by it. Nothing leaves the temp dir.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

// A CA: { dir, cert, key, pem } (paths, and the certificate's text).
export function makeCA(name = 'herald test CA') {
  const dir = mkdtempSync(join(tmpdir(), 'herald-pki-'));
  const key = join(dir, 'ca.key');
  const cert = join(dir, 'ca.crt');
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key,
    '-out', cert, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  return { dir, cert, key, pem: readFileSync(cert, 'utf8') };
}

// A leaf for `cn`, valid for 127.0.0.1 and localhost, for servers and
// clients alike (mutual TLS): { cert, key } paths.
export function makeCert(ca, cn) {
  const key = join(ca.dir, `${cn}.key`);
  const csr = join(ca.dir, `${cn}.csr`);
  const cert = join(ca.dir, `${cn}.crt`);
  const ext = join(ca.dir, `${cn}.ext`);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr,
    '-subj', `/CN=${cn}`);
  ssl('x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', '2',
    '-extfile', ext);
  return { cert, key };
}
