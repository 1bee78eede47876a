//! Properties of the parsers and editors that read what users write: they never panic on any
//! input, and an edit keeps every byte it does not touch. CI runs a few hundred cases each;
//! `fuzz/run` runs the same properties for minutes (PROPTEST_CASES, new fixtures).

use leverage::aws::Ini;
use leverage::project::{Account, BuildEnv, HclFile, ProjectYaml, project_yaml};
use proptest::prelude::*;
use std::path::Path;

/// Text that looks like the files these parsers read: their punctuation, keys, quotes,
/// comments, line ends, plus arbitrary characters.
fn file_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[".to_string()),
        Just("]".to_string()),
        Just("=".to_string()),
        Just(":".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("  ".to_string()),
        Just("#".to_string()),
        Just("\"".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("profile bb-management".to_string()),
        Just("aws_access_key_id".to_string()),
        Just("accounts".to_string()),
        Just("management".to_string()),
        Just("id".to_string()),
        Just("- name: x".to_string()),
        Just("${var.x}".to_string()),
        "[a-zA-Z0-9_.-]{1,8}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..64).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn ini_parses_or_refuses_and_round_trips(text in file_like()) {
        if let Ok(ini) = Ini::parse(&text) {
            prop_assert_eq!(ini.to_string(), text);
        }
    }

    #[test]
    fn ini_edits_keep_what_they_do_not_touch(
        text in file_like(),
        section in "[a-z][a-z0-9 -]{0,12}",
        key in "[a-z_]{1,12}",
        value in "[ -~]{0,24}",
    ) {
        if let Ok(mut ini) = Ini::parse(&text) {
            let sections: Vec<String> = ini.sections().map(str::to_string).collect();
            ini.set(section.trim(), &key, value.trim());
            let again = Ini::parse(&ini.to_string());
            prop_assert!(again.is_ok(), "an edit made the file unreadable: {:?}", ini.to_string());
            let again = again.unwrap();
            prop_assert_eq!(again.get(section.trim(), &key), Some(value.trim()));
            for name in sections {
                prop_assert!(again.sections().any(|s| s == name));
            }
        }
    }

    #[test]
    fn access_keys_csv_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.csv");
        std::fs::write(&path, &bytes).unwrap();
        let _ = leverage::credentials::read_keys_file(&path);
    }

    #[test]
    fn build_env_never_panics(text in file_like()) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("build.env"), &text).unwrap();
        let _ = BuildEnv::load(dir.path(), dir.path());
    }

    #[test]
    fn tfvars_edits_keep_the_file_valid_and_hold_the_ids(
        text in file_like(),
        id in "[0-9]{12}",
    ) {
        if let Ok(mut file) = HclFile::parse(Path::new("common.tfvars"), text) {
            let accounts = [Account {
                name: "management".into(),
                email: Some("a@b.c".into()),
                id: Some(id.clone()),
            }];
            if file.record_account_ids(&accounts).is_ok() {
                let again = HclFile::parse(Path::new("common.tfvars"), file.text().to_string());
                prop_assert!(again.is_ok(), "{:?}", file.text());
                prop_assert_eq!(again.unwrap().string("management_account_id"), Some(id));
            }
        }
    }

    #[test]
    fn project_yaml_never_panics_and_edits_reparse(text in file_like(), id in "[0-9]{12}") {
        let _ = ProjectYaml::parse(&text);
        if let Ok(Some(edited)) = project_yaml::set_account_id(&text, "management", &id) {
            prop_assert!(ProjectYaml::parse(&edited).is_ok() || ProjectYaml::parse(&text).is_err());
        }
    }
}
