//! Fetching a crate's published source from the registry, with cargo itself.
//!
//! A throwaway package that depends on `<crate> = "=<version>"` is resolved with
//! `cargo metadata`, which downloads and unpacks the `.crate` into cargo's registry cache and
//! says where. Nothing is vendored: the source is only ever read from there.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cargo::Cargo;

/// `<crate>@<version>`, or `<crate>` for its newest version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrateSpec {
    pub name: String,
    pub version: Option<String>,
}

impl CrateSpec {
    pub fn parse(text: &str) -> Result<CrateSpec, String> {
        let (name, version) = match text.split_once('@') {
            Some((name, version)) => (name, Some(version.to_owned())),
            None => (text, None),
        };
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid_name || version.as_deref() == Some("") {
            return Err(format!(
                "expected `<crate>@<version>` or `<crate>`, found `{text}`"
            ));
        }
        Ok(CrateSpec {
            name: name.to_owned(),
            version,
        })
    }

    /// The requirement for the throwaway manifest: exactly the version asked for, else any.
    fn requirement(&self) -> String {
        match &self.version {
            Some(version) => format!("={version}"),
            None => "*".to_owned(),
        }
    }
}

impl fmt::Display for CrateSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            Some(version) => write!(f, "{}@{version}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// The unpacked source of one published crate.
#[derive(Debug)]
pub struct Fetched {
    pub name: String,
    pub version: String,
    /// The directory holding its `Cargo.toml`, inside cargo's registry cache.
    pub dir: PathBuf,
    /// The crate name of its library target, if it has one (`mini_redis`).
    pub lib_name: Option<String>,
}

/// Downloads `spec` (if cargo has not already) by resolving a throwaway package in `scratch`.
pub fn fetch(cargo: &Cargo, spec: &CrateSpec, scratch: &Path) -> Result<Fetched, String> {
    std::fs::create_dir_all(scratch.join("src")).map_err(|error| error.to_string())?;
    // `[workspace]`: the scratch package sits inside this repository's workspace directory.
    let manifest = format!(
        "[package]\nname = \"stackless-real-crate-fetch\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{name} = \"{requirement}\"\n\n[workspace]\n",
        name = spec.name,
        requirement = spec.requirement(),
    );
    write(&scratch.join("Cargo.toml"), &manifest)?;
    write(&scratch.join("src/lib.rs"), "")?;
    // A fresh resolution every time, so `<crate>` alone means the newest version.
    let _ = std::fs::remove_file(scratch.join("Cargo.lock"));

    let run = cargo.run(
        scratch,
        &["metadata", "--format-version", "1"],
        &[],
        &scratch.join("metadata.log"),
    )?;
    if !run.success {
        return Err(format!(
            "`cargo metadata` could not resolve `{}` (log: {})",
            spec,
            run.log.display()
        ));
    }
    let metadata = run.stdout_json()?;
    package_dir(&metadata, &spec.name)
}

fn package_dir(metadata: &Value, name: &str) -> Result<Fetched, String> {
    let package = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|package| {
            package["name"] == name && package["source"].as_str().is_some_and(is_registry)
        })
        .ok_or_else(|| format!("`{name}` is not among the resolved registry packages"))?;
    let manifest = package["manifest_path"]
        .as_str()
        .ok_or("a package without a `manifest_path`")?;
    let dir = Path::new(manifest)
        .parent()
        .ok_or("a manifest path without a directory")?;
    Ok(Fetched {
        name: name.to_owned(),
        version: package["version"]
            .as_str()
            .ok_or("a package without a version")?
            .to_owned(),
        dir: dir.to_path_buf(),
        lib_name: library_name(package),
    })
}

fn library_name(package: &Value) -> Option<String> {
    let is_library = |target: &&Value| {
        target["kind"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|kind| matches!(kind.as_str(), Some("lib" | "rlib" | "dylib")))
    };
    let library = package["targets"].as_array()?.iter().find(is_library)?;
    Some(library["name"].as_str()?.replace('-', "_"))
}

fn is_registry(source: &str) -> bool {
    source.starts_with("registry+") || source.starts_with("sparse+")
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|error| format!("writing {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_name_with_or_without_a_version() {
        assert_eq!(
            CrateSpec::parse("mini-redis@0.4.1").unwrap(),
            CrateSpec {
                name: "mini-redis".to_owned(),
                version: Some("0.4.1".to_owned())
            }
        );
        assert_eq!(CrateSpec::parse("tokio").unwrap().version, None);
        assert_eq!(CrateSpec::parse("tokio").unwrap().requirement(), "*");
        assert_eq!(CrateSpec::parse("a@1.2.3").unwrap().requirement(), "=1.2.3");
        assert!(CrateSpec::parse("mini-redis@").is_err());
        assert!(CrateSpec::parse("../etc@1").is_err());
        assert!(CrateSpec::parse("").is_err());
    }

    #[test]
    fn finds_the_registry_package_in_cargo_metadata() {
        let metadata = serde_json::json!({
            "packages": [
                { "name": "mini-redis", "version": "0.0.0", "source": null,
                  "manifest_path": "/elsewhere/mini-redis/Cargo.toml" },
                { "name": "mini-redis", "version": "0.4.1",
                  "source": "registry+https://github.com/rust-lang/crates.io-index",
                  "manifest_path": "/home/.cargo/registry/src/index/mini-redis-0.4.1/Cargo.toml",
                  "targets": [
                      { "kind": ["bin"], "name": "mini-redis-cli" },
                      { "kind": ["lib"], "name": "mini-redis" },
                  ] },
            ]
        });
        let fetched = package_dir(&metadata, "mini-redis").unwrap();
        assert_eq!(fetched.version, "0.4.1");
        assert_eq!(
            fetched.dir,
            Path::new("/home/.cargo/registry/src/index/mini-redis-0.4.1")
        );
        assert_eq!(fetched.lib_name.as_deref(), Some("mini_redis"));
        assert!(package_dir(&metadata, "tokio").is_err());
    }
}
