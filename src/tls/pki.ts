/**
 * Certificate generation and inspection: a name-constrained local CA and the short-lived leaf it
 * signs. ECDSA P-256 keys, ecdsa-with-SHA256 signatures, PKCS#8 PEM private keys.
 * Knows no policy about when to issue; store.ts decides that.
 *
 * Decision: certificates are assembled with @peculiar/asn1-x509 + asn1-schema and signed with
 * node:crypto instead of @peculiar/x509. x509 2.2 loads tsyringe, which refuses to start without a
 * process-wide Reflect-metadata polyfill (a new dependency and a global monkey-patch); the ASN.1
 * layer underneath it needs neither.
 */
import { createHash, createPrivateKey, generateKeyPair, randomBytes, sign, X509Certificate as NodeX509, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier, AttributeTypeAndValue, AttributeValue, AuthorityKeyIdentifier, BasicConstraints, Certificate,
  ExtendedKeyUsage, Extension, Extensions, GeneralName, GeneralSubtree, GeneralSubtrees, KeyIdentifier, KeyUsage,
  KeyUsageFlags, Name, NameConstraints, RelativeDistinguishedName, SubjectAlternativeName, SubjectKeyIdentifier,
  SubjectPublicKeyInfo, TBSCertificate, Validity, Version,
  id_ce_authorityKeyIdentifier, id_ce_basicConstraints, id_ce_extKeyUsage, id_ce_keyUsage, id_ce_nameConstraints,
  id_ce_subjectAltName, id_ce_subjectKeyIdentifier, id_kp_serverAuth,
} from '@peculiar/asn1-x509';

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const generateKeyPairAsync = promisify(generateKeyPair);

/** Subject of the local CA (same as the original, so users recognise it in their trust store). */
export const CA_COMMON_NAME = 'Moltis Local CA';
export const CA_ORGANIZATION = 'Moltis';
/** Default common name of the leaf. */
export const LEAF_COMMON_NAME = 'moltis.localhost';
/** OID of the NameConstraints extension (RFC 5280 §4.2.1.10). */
export const NAME_CONSTRAINTS_OID = id_ce_nameConstraints;

/** A certificate and its private key, both PEM. */
export interface IssuedPem { certPem: string; keyPem: string }

/** Permitted subtrees: DNS names and `address/prefix` IP ranges. */
export interface Permitted { dns: string[]; ips: string[] }

/** What store.ts needs to know about a certificate on disk. */
export interface CertInfo {
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  /** DNS SANs, lower-cased. */
  dns: string[];
  /** IP SANs, as text. */
  ips: string[];
  /** Permitted subtrees, or null when the certificate has no NameConstraints extension we recognise. */
  permitted: Permitted | null;
  node: NodeX509;
}

/** A positive 16-byte serial with its top byte in 0x40..0x7f, so DER never adds or drops a byte. */
function randomSerial(): ArrayBuffer {
  const b = randomBytes(16);
  b[0] = ((b[0] ?? 0) & 0x3f) | 0x40;
  return toArrayBuffer(b);
}

function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function name(attrs: Array<[string, string]>): Name {
  return new Name(attrs.map(([type, value]) => new RelativeDistinguishedName([
    new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) }),
  ])));
}

function ext(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyId(spki: SubjectPublicKeyInfo): ArrayBuffer {
  return toArrayBuffer(createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest());
}

async function newKey(): Promise<{ privateKey: KeyObject; spki: SubjectPublicKeyInfo; keyPem: string }> {
  const { privateKey, publicKey } = await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
  const spki = AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { privateKey, spki, keyPem };
}

/** DER-encodes and signs a TBSCertificate with ecdsa-with-SHA256; returns the certificate PEM. */
function signCert(tbs: TBSCertificate, signer: KeyObject): string {
  const sig = sign('sha256', Buffer.from(AsnConvert.serialize(tbs)), { key: signer, dsaEncoding: 'der' });
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    signatureValue: toArrayBuffer(sig),
  });
  const b64 = Buffer.from(AsnConvert.serialize(cert)).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** The NameConstraints extension (critical) permitting exactly `permitted`. */
export function nameConstraintsExtension(permitted: Permitted): Extension {
  const subtrees = [
    ...permitted.dns.map((d) => new GeneralSubtree({ base: new GeneralName({ dNSName: d }) })),
    ...permitted.ips.map((ip) => new GeneralSubtree({ base: new GeneralName({ iPAddress: ip }) })),
  ];
  return ext(id_ce_nameConstraints, true, new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees) }));
}

/**
 * Creates the local CA: pathLen 0 (it can sign leaves only) and critical name constraints, so
 * even a stolen CA key cannot mint a certificate that a constraint-enforcing client accepts for a
 * name outside `permitted`.
 */
export async function createCa(opts: { now: Date; validityDays: number; permitted: Permitted }): Promise<IssuedPem> {
  const key = await newKey();
  const subject = name([[OID_O, CA_ORGANIZATION], [OID_CN, CA_COMMON_NAME]]);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: randomSerial(),
    signature: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    issuer: subject,
    subject,
    validity: new Validity({
      notBefore: new Date(opts.now.getTime() - HOUR_MS),
      notAfter: new Date(opts.now.getTime() + opts.validityDays * DAY_MS),
    }),
    subjectPublicKeyInfo: key.spki,
    extensions: new Extensions([
      ext(id_ce_basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint: 0 })),
      ext(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)),
      ext(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId(key.spki))),
      nameConstraintsExtension(opts.permitted),
    ]),
  });
  return { certPem: signCert(tbs, key.privateKey), keyPem: key.keyPem };
}

/** Issues a serverAuth leaf signed by `ca`, valid from one hour before `now` (clock skew) to `notAfter`. */
export async function issueLeaf(opts: { ca: IssuedPem; now: Date; notAfter: Date; dns: string[]; ips: string[]; commonName?: string }): Promise<IssuedPem> {
  const caCert = AsnConvert.parse(new NodeX509(opts.ca.certPem).raw, Certificate);
  const caKey = createPrivateKey(opts.ca.keyPem);
  const key = await newKey();
  const sans = [
    ...opts.dns.map((d) => new GeneralName({ dNSName: d })),
    ...opts.ips.map((ip) => new GeneralName({ iPAddress: ip })),
  ];
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: randomSerial(),
    signature: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    // The CA's own subject object, so the issuer bytes equal the CA subject bytes.
    issuer: caCert.tbsCertificate.subject,
    subject: name([[OID_CN, opts.commonName ?? LEAF_COMMON_NAME]]),
    validity: new Validity({ notBefore: new Date(opts.now.getTime() - HOUR_MS), notAfter: opts.notAfter }),
    subjectPublicKeyInfo: key.spki,
    extensions: new Extensions([
      ext(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
      ext(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)),
      ext(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth])),
      ext(id_ce_subjectAltName, false, new SubjectAlternativeName(sans)),
      ext(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId(caCert.tbsCertificate.subjectPublicKeyInfo)) })),
      ext(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId(key.spki))),
    ]),
  });
  return { certPem: signCert(tbs, caKey), keyPem: key.keyPem };
}

/** Parses the first certificate of a PEM; throws when it is not a certificate. */
export function inspectCert(pem: string): CertInfo {
  const node = new NodeX509(pem);
  const tbs = AsnConvert.parse(node.raw, Certificate).tbsCertificate;
  const extension = (oid: string) => tbs.extensions?.find((e) => e.extnID === oid);
  const sanExt = extension(id_ce_subjectAltName);
  const sans: GeneralName[] = sanExt ? [...AsnConvert.parse(sanExt.extnValue, SubjectAlternativeName)] : [];
  return {
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    isCa: node.ca,
    dns: sans.flatMap((n) => (n.dNSName === undefined ? [] : [n.dNSName.toLowerCase()])),
    ips: sans.flatMap((n) => (n.iPAddress === undefined ? [] : [n.iPAddress])),
    permitted: readPermitted(extension(id_ce_nameConstraints)),
    node,
  };
}

function readPermitted(e: Extension | undefined): Permitted | null {
  if (!e) return null;
  const nc = AsnConvert.parse(e.extnValue, NameConstraints);
  // Exclusions are never ours: treat such a CA as one we did not make.
  if (!nc.permittedSubtrees || nc.excludedSubtrees) return null;
  const out: Permitted = { dns: [], ips: [] };
  for (const st of nc.permittedSubtrees) {
    if (st.base.dNSName !== undefined) out.dns.push(st.base.dNSName.toLowerCase());
    else if (st.base.iPAddress !== undefined) out.ips.push(st.base.iPAddress);
  }
  return out;
}

/** True when `keyPem` is the private key of `cert`; false on any parse failure. */
export function keyMatches(cert: NodeX509, keyPem: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** True when `leaf` names `ca` as issuer and its signature verifies with the CA's public key. */
export function chainsTo(leaf: NodeX509, ca: NodeX509): boolean {
  try {
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
  } catch {
    return false;
  }
}
