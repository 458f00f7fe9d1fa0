//! Bootstrap Italia from npm into the binary.
//!
//! `web/package-lock.json` pins the toolkit; `npm ci` installs it into `web/node_modules`
//! only when that tree is missing or older than the lock. The minified CSS, the JS
//! bundle, the sprites and the woff2 fonts are then copied into `OUT_DIR` under
//! content-hashed names (FNV-1a 64), a `fonts.css` with the `@font-face` rules is
//! generated (Bootstrap Italia 2 loads its fonts from a script that injects a style
//! element, which the portal's Content-Security-Policy forbids), and `risorse.rs`
//! lists every file with its bytes and content type.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fnv(b: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h ^= u64::from(x);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn modificato(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn npm_ci(web: &Path) {
    let lock = web.join("package-lock.json");
    let installato = web.join("node_modules/.package-lock.json");
    let aggiornato = match (modificato(&installato), modificato(&lock)) {
        (Some(i), Some(l)) => i >= l,
        _ => false,
    };
    if aggiornato {
        return;
    }
    let esito = Command::new("npm")
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .current_dir(web)
        .status();
    match esito {
        Ok(s) if s.success() => {}
        Ok(s) => panic!(
            "`npm ci` in {} è terminato con {s}: servono la rete (o una cache npm) per installare Bootstrap Italia",
            web.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "npm non trovato: isee-portale installa Bootstrap Italia dal registro npm (Node.js ≥ 18, `apt-get install -y npm`)"
        ),
        Err(e) => panic!("avvio di npm: {e}"),
    }
}

struct Risorsa {
    nome: String,
    percorso: PathBuf,
    tipo: &'static str,
}

fn scrivi(out: &Path, base: &str, estensione: &str, dati: &[u8], tipo: &'static str) -> Risorsa {
    let nome = format!("{base}.{}.{estensione}", fnv(dati));
    let percorso = out.join(&nome);
    std::fs::write(&percorso, dati).expect("scrittura in OUT_DIR");
    Risorsa {
        nome,
        percorso,
        tipo,
    }
}

/// `titillium-web-v10-latin-ext_latin-600italic` → (600, italic).
fn peso_e_stile(stem: &str) -> (u32, &'static str) {
    let variante = stem.rsplit('-').next().unwrap_or("regular");
    let corsivo = variante.ends_with("italic");
    let cifre: String = variante.chars().take_while(char::is_ascii_digit).collect();
    let peso = cifre.parse().unwrap_or(400);
    (peso, if corsivo { "italic" } else { "normal" })
}

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let web = dir.join("web");
    println!("cargo:rerun-if-changed=web/package-lock.json");
    println!("cargo:rerun-if-changed=web/package.json");
    println!("cargo:rerun-if-changed=build.rs");
    npm_ci(&web);
    let dist = web.join("node_modules/bootstrap-italia/dist");
    let leggi =
        |p: &Path| std::fs::read(p).unwrap_or_else(|e| panic!("lettura di {}: {e}", p.display()));

    let mut risorse = Vec::new();
    // Fonts first: the stylesheets point at their hashed names.
    let mut font_css = String::new();
    let mut rinomina: Vec<(String, String)> = Vec::new();
    let mut famiglie: Vec<PathBuf> = std::fs::read_dir(dist.join("fonts"))
        .expect("dist/fonts di bootstrap-italia")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    famiglie.sort();
    for famiglia in famiglie {
        let nome_famiglia = famiglia
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .replace('_', " ");
        let mut file: Vec<PathBuf> = std::fs::read_dir(&famiglia)
            .expect("cartella dei font")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "woff2"))
            .collect();
        file.sort();
        for f in file {
            let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            let r = scrivi(&out, stem, "woff2", &leggi(&f), "font/woff2");
            let (peso, stile) = peso_e_stile(stem);
            let _ = writeln!(
                font_css,
                "@font-face{{font-family:\"{nome_famiglia}\";font-style:{stile};font-weight:{peso};font-display:swap;src:url(\"{}\") format(\"woff2\")}}",
                r.nome
            );
            let originale = format!(
                "fonts/{}/{}",
                famiglia
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default(),
                f.file_name().and_then(|n| n.to_str()).unwrap_or_default()
            );
            rinomina.push((originale, r.nome.clone()));
            risorse.push(r);
        }
    }
    let fonts = scrivi(
        &out,
        "fonts",
        "css",
        font_css.as_bytes(),
        "text/css; charset=utf-8",
    );

    // The toolkit's CSS: any font URL it carries is rewritten to the hashed name.
    let mut css =
        String::from_utf8(leggi(&dist.join("css/bootstrap-italia.min.css"))).expect("CSS in UTF-8");
    for (originale, nuovo) in &rinomina {
        css = css.replace(&format!("../{originale}"), nuovo);
    }
    let css = scrivi(
        &out,
        "bootstrap-italia",
        "min.css",
        css.as_bytes(),
        "text/css; charset=utf-8",
    );
    let js = scrivi(
        &out,
        "bootstrap-italia.bundle",
        "min.js",
        &leggi(&dist.join("js/bootstrap-italia.bundle.min.js")),
        "text/javascript; charset=utf-8",
    );
    let sprite = scrivi(
        &out,
        "sprites",
        "svg",
        &leggi(&dist.join("svg/sprites.svg")),
        "image/svg+xml",
    );

    let mut rs = String::from("// Generated by build.rs: the embedded assets.\n");
    for (costante, r) in [
        ("CSS", &css),
        ("JS", &js),
        ("SPRITE", &sprite),
        ("FONTS", &fonts),
    ] {
        let _ = writeln!(
            rs,
            "/// `/static/{0}`.\npub const {costante}: &str = \"/static/{0}\";",
            r.nome
        );
    }
    risorse.extend([css, js, sprite, fonts]);
    risorse.sort_by(|a, b| a.nome.cmp(&b.nome));
    rs.push_str(
        "/// Every asset: name, bytes, content type (sorted by name).\npub static RISORSE: &[(&str, &[u8], &str)] = &[\n",
    );
    for r in &risorse {
        let _ = writeln!(
            rs,
            "    ({:?}, include_bytes!({:?}), {:?}),",
            r.nome,
            r.percorso.display().to_string(),
            r.tipo
        );
    }
    rs.push_str("];\n");
    std::fs::write(out.join("risorse.rs"), rs).expect("scrittura di risorse.rs");
}
