//! A layer's identity (see docs/behaviour.md): the bucket from `<account>/config/backend.tfvars`
//! and the key its own `backend "s3"` block declares. A key the layer does not write down (the
//! one `init` would synthesize) is never used to match references.

use super::discovery::TfFile;
use crate::project::HclFile;
use std::collections::BTreeMap;
use std::path::Path;

/// True when `body` holds `terraform { backend "s3" { ... } }`.
pub(crate) fn declares_s3_backend(body: &hcl::Body) -> bool {
    s3_backend(body).is_some()
}

fn s3_backend(body: &hcl::Body) -> Option<&hcl::Body> {
    body.blocks()
        .filter(|b| b.identifier() == "terraform")
        .flat_map(|b| b.body().blocks())
        .find(|b| {
            b.identifier() == "backend" && b.labels().first().map(|l| l.as_str()) == Some("s3")
        })
        .map(|b| b.body())
}

/// The literal `key` of the layer's s3 backend block, if it declares one.
pub(crate) fn declared_key(files: &[TfFile]) -> Option<String> {
    files.iter().find_map(|f| {
        let backend = s3_backend(&f.body)?;
        let attribute = backend.attributes().find(|a| a.key() == "key")?;
        match attribute.expr() {
            hcl::Expression::String(key) => Some(key.clone()),
            _ => None,
        }
    })
}

/// The `bucket` of each account's `config/backend.tfvars`, read once per account.
#[derive(Debug, Default)]
pub(crate) struct Buckets(BTreeMap<String, Option<String>>);

impl Buckets {
    pub(crate) fn of(&mut self, root: &Path, account: &str) -> Option<String> {
        self.0
            .entry(account.to_string())
            .or_insert_with(|| {
                HclFile::read(&root.join(account).join("config/backend.tfvars"))
                    .ok()
                    .and_then(|f| f.string("bucket"))
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> TfFile {
        TfFile {
            path: "l/config.tf".into(),
            body: hcl::parse(text).unwrap(),
        }
    }

    #[test]
    fn the_key_is_the_literal_of_the_s3_backend_block() {
        let with_key = file(
            "terraform {\n  backend \"s3\" {\n    key = \"shared/network/terraform.tfstate\"\n  }\n}\n",
        );
        assert_eq!(
            declared_key(&[with_key]).as_deref(),
            Some("shared/network/terraform.tfstate")
        );
        let without = file("terraform {\n  backend \"s3\" {}\n}\n");
        assert!(declares_s3_backend(&without.body));
        assert_eq!(declared_key(&[without]), None);
        let local = file("terraform {\n  backend \"local\" {\n    path = \"x\"\n  }\n}\n");
        assert!(!declares_s3_backend(&local.body));
    }
}
