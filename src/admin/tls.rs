//! TLS configurations (rustls with the `ring` provider) for indisrvr and adminclient.
//!
//! Server: certificate chain and private key from PEM (the key may be in the certificate file,
//! as the original wants it); with a CA file, client certificates are **required and verified**
//! (optionally against a CRL). Client: the server is always verified, against a CA file or the
//! bundled Web PKI roots, and its name must match the host connected to; a client certificate
//! is optional.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn open(path: &Path) -> Result<BufReader<File>, String> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|e| format!("{}: {e}", path.display()))
}

pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<_> = rustls_pemfile::certs(&mut open(path)?)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate found", path.display()));
    }
    Ok(certs)
}

pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    rustls_pemfile::private_key(&mut open(path)?)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .ok_or_else(|| format!("{}: no private key found", path.display()))
}

fn load_crls(path: &Path) -> Result<Vec<CertificateRevocationListDer<'static>>, String> {
    rustls_pemfile::crls(&mut open(path)?)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn roots(cafile: &Path) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    for c in load_certs(cafile)? {
        store
            .add(c)
            .map_err(|e| format!("{}: {e}", cafile.display()))?;
    }
    Ok(store)
}

/// The server's configuration. `keyfile` defaults to `certfile`.
pub fn server_config(
    certfile: &Path,
    keyfile: Option<&Path>,
    cafile: Option<&Path>,
    crlfile: Option<&Path>,
) -> Result<Arc<rustls::ServerConfig>, String> {
    let certs = load_certs(certfile)?;
    let key = load_key(keyfile.unwrap_or(certfile))?;
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = match cafile {
        Some(ca) => {
            let mut v =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots(ca)?), provider());
            if let Some(crl) = crlfile {
                v = v.with_crls(load_crls(crl)?);
            }
            builder.with_client_cert_verifier(v.build().map_err(|e| e.to_string())?)
        }
        None => builder.with_no_client_auth(),
    };
    let mut cfg = builder
        .with_single_cert(certs, key)
        .map_err(|e| format!("{}: {e}", certfile.display()))?;
    cfg.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    Ok(Arc::new(cfg))
}

/// The client's configuration: trust `cafile` (else the Web PKI roots); present `certfile`
/// (certificate and key in one PEM file, or the key in `keyfile`) when given.
pub fn client_config(
    cafile: Option<&Path>,
    certfile: Option<&Path>,
    keyfile: Option<&Path>,
) -> Result<Arc<rustls::ClientConfig>, String> {
    let store = match cafile {
        Some(ca) => roots(ca)?,
        None => RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(store);
    let cfg = match certfile {
        Some(c) => builder
            .with_client_auth_cert(load_certs(c)?, load_key(keyfile.unwrap_or(c))?)
            .map_err(|e| format!("{}: {e}", c.display()))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(cfg))
}
