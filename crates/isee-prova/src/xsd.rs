//! XSD validation with a real validator: libxml2's `xmllint --schema`, run on the
//! documents the SOAP tests produce, against INPS's published schemas.
//!
//! INPS's WSDL/XSDs are not project code: they live beside the repository, in
//! `shared/riferimenti/inps-consultazione/` (see its README), found by walking up
//! from the crate's directory (or at `ISEE_RIFERIMENTI`). `xmllint` comes from
//! Debian's `libxml2-utils`, which `scripts/verifica.sh` installs when missing;
//! with `CI` set a missing `xmllint` fails the test, without it the validation is
//! reported as not run.
//!
//! INPS's SIUSS schemas (PS-PSA, SINBA) are found the same way in
//! `shared/riferimenti/waas-comuni/` ([`riferimenti_waas`]).
//!
//! The SOAP envelope is validated with a minimal SOAP 1.1 envelope schema written
//! here ([`BUSTA_SOAP11`]): `Header` blocks lax, `Body` content **strict**, so that
//! the operation element must be declared by the message schema imported beside it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The variable naming the folder of INPS's schemas, when it is not found by
/// walking up from the crate.
pub const VARIABILE_RIFERIMENTI: &str = "ISEE_RIFERIMENTI";

/// A SOAP 1.1 envelope schema (namespace `http://schemas.xmlsoap.org/soap/envelope/`),
/// written for these tests: what the envelope may hold, with `Body` content
/// validated strictly against the schemas imported beside it, and `Fault`.
pub const BUSTA_SOAP11: &str = r###"<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:tns="http://schemas.xmlsoap.org/soap/envelope/"
           targetNamespace="http://schemas.xmlsoap.org/soap/envelope/"
           elementFormDefault="qualified">
  <xs:element name="Envelope">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Header" minOccurs="0">
          <xs:complexType>
            <xs:sequence>
              <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
            </xs:sequence>
            <xs:anyAttribute namespace="##other" processContents="lax"/>
          </xs:complexType>
        </xs:element>
        <xs:element name="Body">
          <xs:complexType>
            <xs:sequence>
              <xs:any namespace="##any" processContents="strict" minOccurs="0" maxOccurs="unbounded"/>
            </xs:sequence>
            <xs:anyAttribute namespace="##other" processContents="lax"/>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
      <xs:anyAttribute namespace="##other" processContents="lax"/>
    </xs:complexType>
  </xs:element>
  <xs:element name="Fault">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="faultcode" type="xs:QName" form="unqualified"/>
        <xs:element name="faultstring" type="xs:string" form="unqualified"/>
        <xs:element name="faultactor" type="xs:anyURI" form="unqualified" minOccurs="0"/>
        <xs:element name="detail" form="unqualified" minOccurs="0">
          <xs:complexType>
            <xs:sequence>
              <xs:any namespace="##any" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
"###;

/// The folder of INPS's consultation schemas (`…/shared/riferimenti/inps-consultazione`):
/// `ISEE_RIFERIMENTI`, or the first ancestor of `da` that holds
/// `shared/riferimenti/inps-consultazione`. Panics when there is none: the
/// validation cannot be honest without them.
pub fn riferimenti_inps(da: &Path) -> PathBuf {
    if let Some(p) = std::env::var_os(VARIABILE_RIFERIMENTI) {
        return PathBuf::from(p);
    }
    da.ancestors()
        .map(|a| a.join("shared/riferimenti/inps-consultazione"))
        .find(|p| p.join("ISEE_Attestazione.xsd").is_file())
        .unwrap_or_else(|| {
            panic!(
                "schemi INPS non trovati (shared/riferimenti/inps-consultazione sopra {}): impostare {VARIABILE_RIFERIMENTI}",
                da.display()
            )
        })
}

/// The variable naming the folder of INPS's SIUSS schemas (`waas-comuni`), when it is
/// not found by walking up from the crate.
pub const VARIABILE_RIFERIMENTI_WAAS: &str = "ISEE_RIFERIMENTI_WAAS";

/// The folder of INPS's "Welfare as a Service" schemas (`…/shared/riferimenti/waas-comuni`:
/// `PS_PSA_SINA201812.xsd`, `SINBA.xsd`): `ISEE_RIFERIMENTI_WAAS`, or the first ancestor
/// of `da` that holds it. Panics when there is none.
pub fn riferimenti_waas(da: &Path) -> PathBuf {
    if let Some(p) = std::env::var_os(VARIABILE_RIFERIMENTI_WAAS) {
        return PathBuf::from(p);
    }
    da.ancestors()
        .map(|a| a.join("shared/riferimenti/waas-comuni"))
        .find(|p| p.join("PS_PSA_SINA201812.xsd").is_file())
        .unwrap_or_else(|| {
            panic!(
                "schemi SIUSS non trovati (shared/riferimenti/waas-comuni sopra {}): impostare {VARIABILE_RIFERIMENTI_WAAS}",
                da.display()
            )
        })
}

/// Whether `xmllint` can run. Without it: under `CI` a panic, otherwise `false`
/// (the caller reports the validation as not run).
pub fn xmllint_disponibile() -> bool {
    let ok = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var_os("CI").is_some() {
        panic!(
            "xmllint non disponibile: installare libxml2-utils (scripts/verifica.sh lo fa da sé)"
        );
    }
    if !ok {
        eprintln!("avviso: xmllint non disponibile, validazione XSD non eseguita (libxml2-utils)");
    }
    ok
}

static CONTATORE: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory for this process's files.
fn cartella() -> PathBuf {
    let d = std::env::temp_dir().join(format!("isee-xsd-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("cartella temporanea");
    d
}

fn file_nuovo(nome: &str, contenuto: &[u8]) -> PathBuf {
    let n = CONTATORE.fetch_add(1, Ordering::Relaxed);
    let p = cartella().join(format!("{n}-{nome}"));
    std::fs::write(&p, contenuto).expect("scrittura file temporaneo");
    p
}

/// A schema that imports the SOAP 1.1 envelope schema and each `(namespace,
/// schema file)`: the schema for a whole envelope whose body those schemas declare.
pub fn schema_busta(importati: &[(&str, &Path)]) -> PathBuf {
    let busta = file_nuovo("busta-soap11.xsd", BUSTA_SOAP11.as_bytes());
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">"#,
    );
    let mut importa = |ns: &str, p: &Path| {
        s.push_str(&format!(
            r#"<xs:import namespace="{ns}" schemaLocation="{}"/>"#,
            p.display()
        ));
    };
    importa("http://schemas.xmlsoap.org/soap/envelope/", &busta);
    for (ns, p) in importati {
        importa(ns, p);
    }
    s.push_str("</xs:schema>");
    file_nuovo("busta.xsd", s.as_bytes())
}

/// Validates `xml` against `schema` with `xmllint --noout --schema`: `Err` with
/// xmllint's messages when the document is not valid (or the schema does not
/// compile). `Ok` also when xmllint is missing outside CI ([`xmllint_disponibile`]).
pub fn valida(schema: &Path, nome: &str, xml: &[u8]) -> Result<(), String> {
    if !xmllint_disponibile() {
        return Ok(());
    }
    let file = file_nuovo(&format!("{nome}.xml"), xml);
    let uscita = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(schema)
        .arg(&file)
        .output()
        .expect("esecuzione di xmllint");
    let messaggi = String::from_utf8_lossy(&uscita.stderr).into_owned();
    let _ = std::fs::remove_file(&file);
    if uscita.status.success() && messaggi.contains("validates") {
        Ok(())
    } else {
        Err(format!(
            "{nome} non valido per {}:\n{messaggi}",
            schema.display()
        ))
    }
}
