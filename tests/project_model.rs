//! Finding the root, layering build.env, the short name's sources, location types, and
//! one clear line for every malformed file.

use crate::support::Scenario;
use leverage::project::{Location, Project, ProjectError};
use std::path::{Path, PathBuf};

fn load(dir: &Path) -> Result<Project, ProjectError> {
    Project::load(dir, |_| {})
}

fn canonical(path: PathBuf) -> PathBuf {
    path.canonicalize().unwrap()
}

#[test]
fn outside_git_the_root_is_the_nearest_directory_with_project_files() {
    let s = Scenario::new();
    let project = load(&s.project().join("management/global/base-identities")).unwrap();
    assert_eq!(project.root, canonical(s.project()));
}

#[test]
fn inside_git_the_root_is_the_top_level() {
    let s = Scenario::new();
    std::fs::create_dir(s.project().join(".git")).unwrap();
    // A project.yaml deeper down does not move the root away from the git top level.
    s.write(
        s.project().join("management/project.yaml"),
        "short_name: zz\n",
    );
    let project = load(&s.project().join("management/us-east-1/base-tf-backend")).unwrap();
    assert_eq!(project.root, canonical(s.project()));
    assert_eq!(project.short_name, "bb");
}

#[test]
fn a_project_nested_in_an_unrelated_git_repository_is_found() {
    let s = Scenario::new();
    std::fs::create_dir(s.dir.path().join(".git")).unwrap();
    let project = load(&s.project().join("shared")).unwrap();
    assert_eq!(project.root, canonical(s.project()));
}

#[test]
fn a_directory_outside_any_project_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = load(dir.path()).unwrap_err();
    assert!(matches!(error, ProjectError::NotFound { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("config/common.tfvars or project.yaml"),
        "{error}"
    );
}

#[test]
fn deeper_build_env_files_override_shallower_ones() {
    let s = Scenario::new();
    s.write(
        s.project().join("management/build.env"),
        "MFA_ENABLED=true\nEXTRA=account\n",
    );
    s.write(
        s.project().join("management/global/build.env"),
        "EXTRA=layer-group\n",
    );
    let deep = load(&s.project().join("management/global/base-identities")).unwrap();
    assert!(deep.mfa_enabled());
    assert_eq!(deep.env.get("EXTRA"), Some("layer-group"));
    assert_eq!(deep.env.get("TERRAFORM_IMAGE_TAG"), Some("1.6.0-0.2.0"));
    // build.env files below the current directory do not count.
    let shallow = load(&s.project().join("security")).unwrap();
    assert!(!shallow.mfa_enabled());
    assert_eq!(shallow.env.get("EXTRA"), None);
}

#[test]
fn the_short_name_comes_from_project_yaml_then_build_env_then_common_tfvars() {
    let s = Scenario::new();
    s.write(s.project().join("project.yaml"), "short_name: yml\n");
    s.write(s.project().join("build.env"), "PROJECT=env\n");
    let tfvars = s
        .read(s.project().join("config/common.tfvars"))
        .replace("project      = \"bb\"", "project      = \"tf\"");
    s.write(s.project().join("config/common.tfvars"), &tfvars);
    assert_eq!(load(&s.project()).unwrap().short_name, "yml");
    std::fs::remove_file(s.project().join("project.yaml")).unwrap();
    assert_eq!(load(&s.project()).unwrap().short_name, "env");
    std::fs::remove_file(s.project().join("build.env")).unwrap();
    assert_eq!(load(&s.project()).unwrap().short_name, "tf");
}

#[test]
fn a_short_name_that_is_not_two_to_four_lowercase_letters_is_refused() {
    let s = Scenario::new();
    for bad in ["b", "binbash", "BB", "b2"] {
        s.write(s.project().join("build.env"), &format!("PROJECT={bad}\n"));
        s.write(s.project().join("project.yaml"), "project_name: binbash\n");
        let error = load(&s.project()).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "the project short name \"{bad}\" (PROJECT in build.env) must be 2 to 4 lowercase letters"
            )
        );
    }
}

#[test]
fn names_regions_and_accounts_are_merged_from_both_files() {
    let s = Scenario::new();
    let yaml = s.read(s.project().join("project.yaml")).replace(
        "    - name: shared\n",
        "    - name: network\n      email: aws+network@binbash.com.ar\n      id: 12345678901\n    - name: shared\n",
    );
    s.write(s.project().join("project.yaml"), &yaml);
    let project = load(&s.project()).unwrap();
    assert_eq!(project.long_name.as_deref(), Some("binbash"));
    assert_eq!(project.primary_region.as_deref(), Some("us-east-1"));
    assert_eq!(project.secondary_region.as_deref(), Some("us-west-2"));
    let names: Vec<&str> = project.accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["management", "security", "shared", "network"]);
    // An unquoted YAML id lost its leading zero; account ids are 12 digits.
    assert_eq!(
        project.account("network").unwrap().id.as_deref(),
        Some("012345678901")
    );
}

#[test]
fn older_projects_with_region_and_account_id_attributes_still_load() {
    let s = Scenario::new();
    std::fs::remove_file(s.project().join("project.yaml")).unwrap();
    s.write(
        s.project().join("config/common.tfvars"),
        "project = \"bb\"\nregion = \"eu-west-1\"\naccounts = { management = { email = \"m@x.y\" } }\nmanagement_account_id = \"111111111111\"\n",
    );
    let project = load(&s.project()).unwrap();
    assert_eq!(project.primary_region.as_deref(), Some("eu-west-1"));
    assert_eq!(
        project.account("management").unwrap().id.as_deref(),
        Some("111111111111")
    );
}

#[test]
fn every_location_type_is_recognised() {
    let s = Scenario::new();
    let at = |rel: &str| load(&s.project().join(rel)).unwrap().location;
    assert_eq!(at(""), Location::Root);
    assert_eq!(at("config"), Location::Config);
    assert_eq!(
        at("security"),
        Location::Account {
            account: "security".into()
        }
    );
    assert_eq!(at("security/config"), Location::Config);
    assert_eq!(
        at("security/us-east-1"),
        Location::LayersGroup {
            account: "security".into(),
            group: "security/us-east-1".into()
        }
    );
    assert_eq!(
        at("security/us-east-1/base-tf-backend"),
        Location::Layer {
            account: "security".into(),
            layer: "security/us-east-1/base-tf-backend".into()
        }
    );
}

#[test]
fn malformed_files_are_named_with_their_position() {
    let cases = [
        (
            "config/common.tfvars",
            "project = \"bb\"\naccounts = {\n",
            "config/common.tfvars: line 2, column 1: unexpected token",
        ),
        (
            "project.yaml",
            "short_name: bb\norganization: 'open\n",
            "project.yaml: line 3, column 1: found unexpected end of stream",
        ),
        (
            "project.yaml",
            "organization: [a, b]\n",
            "project.yaml: line 1, column 15: organization: invalid type",
        ),
        (
            "build.env",
            "PROJECT=bb\nMFA ENABLED = true\n",
            "build.env: cannot parse `MFA ENABLED = true`",
        ),
    ];
    for (file, text, expected) in cases {
        let s = Scenario::new();
        s.write(s.project().join(file), text);
        let message = load(&s.project()).unwrap_err().to_string();
        assert!(message.contains(expected), "{file}: {message}");
        assert!(
            message.starts_with(canonical(s.project()).to_str().unwrap()),
            "{message}"
        );
    }
}
