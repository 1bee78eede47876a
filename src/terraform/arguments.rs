//! The arguments leverage adds around the user's: `-var-file` for the project's
//! tfvars, `-backend-config` for `init`, `-recursive` for `fmt`. The user's own arguments always
//! follow, untouched and in order.

use std::path::{Path, PathBuf};

/// `terraform apply` flags that take no value, so a word after them is a plan file.
const BOOLEAN_FLAGS: &[&str] = &[
    "-destroy",
    "-refresh-only",
    "-detailed-exitcode",
    "-auto-approve",
    "-compact-warnings",
    "-json",
    "-no-color",
];

/// Whether the last argument is a plan file (upstream's rule): it does not start with `-`,
/// and the one before it is not a flag waiting for a separate value (`-var x=1`).
pub fn has_a_plan_file(args: &[String]) -> bool {
    let Some(last) = args.last() else {
        return false;
    };
    if last.starts_with('-') {
        return false;
    }
    if let [.., second_last, _] = args
        && second_last.starts_with('-')
        && !second_last.contains('=')
        && !BOOLEAN_FLAGS.contains(&second_last.as_str())
    {
        return false;
    }
    true
}

/// Every `*.tfvars` in `<root>/config/` then `<account>/config/`, each sorted by name, as
/// `-var-file=<absolute path>`.
pub fn var_file_args(root: &Path, account: &str) -> Vec<String> {
    [root.join("config"), root.join(account).join("config")]
        .iter()
        .flat_map(|dir| {
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .map(|entries| {
                    entries
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|x| x == "tfvars") && p.is_file())
                        .collect()
                })
                .unwrap_or_default();
            files.sort();
            files
        })
        .map(|file| format!("-var-file={}", file.display()))
        .collect()
}

/// The user's arguments without any `-backend-config` (ours replaces it), in order.
pub fn without_backend_config(args: &[String]) -> Vec<String> {
    let mut kept = Vec::new();
    let mut skip_value = false;
    for arg in args {
        if skip_value {
            skip_value = false;
        } else if arg == "-backend-config" || arg == "--backend-config" {
            skip_value = true;
        } else if !arg.starts_with("-backend-config=") && !arg.starts_with("--backend-config=") {
            kept.push(arg.clone());
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn has_a_plan_file_follows_upstream() {
        let cases: &[(&[&str], bool)] = &[
            (&[], false),
            (&["-flag"], false),
            (&["-var=value"], false),
            (&["plan_file"], true),
            (&["-target=x", "-var", "value"], false),
            // An unknown flag may be waiting for its value, as upstream's code decides.
            (&["-target=x", "-flag", "plan_file"], false),
            (&["-target=x", "-auto-approve", "plan_file"], true),
            (&["-target=x", "-var=value", "plan_file"], true),
            (&["-target=x", "-var", "value", "plan_file"], true),
            (&["-compact-warnings", "plan_file"], true),
            (&["-no-color", "-json", "tfplan"], true),
        ];
        for (list, expected) in cases {
            assert_eq!(has_a_plan_file(&args(list)), *expected, "{list:?}");
        }
    }

    #[test]
    fn var_files_come_from_the_common_then_the_account_config_sorted() {
        let root = tempfile::tempdir().unwrap();
        for file in [
            "config/common.tfvars",
            "config/b.tfvars",
            "config/notes.txt",
            "shared/config/backend.tfvars",
            "shared/config/account.tfvars",
        ] {
            crate::test_files::write(root.path(), file, "");
        }
        let r = root.path().display();
        assert_eq!(
            var_file_args(root.path(), "shared"),
            [
                format!("-var-file={r}/config/b.tfvars"),
                format!("-var-file={r}/config/common.tfvars"),
                format!("-var-file={r}/shared/config/account.tfvars"),
                format!("-var-file={r}/shared/config/backend.tfvars"),
            ]
        );
    }

    #[test]
    fn a_users_backend_config_is_dropped_in_both_spellings() {
        let given = args(&[
            "-upgrade",
            "-backend-config=x.tfvars",
            "-backend-config",
            "y.tfvars",
            "-reconfigure",
        ]);
        assert_eq!(
            without_backend_config(&given),
            args(&["-upgrade", "-reconfigure"])
        );
    }
}
