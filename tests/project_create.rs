//! `leverage project init` and `project create` against a small template repository each test
//! builds itself (git, a symlink, a nested `primary_region` layer, templates using `value`, `attr`,
//! a macro file and trailing newlines), served as a local origin through LEVERAGE_TEMPLATE_REPO.

use crate::support::{Scenario, git};
use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const PROJECT_YAML: &str = "\
project_name: acme-landing
short_name: ac
primary_region: us-east-1
secondary_region: us-west-2
organization:
  accounts:
  - name: management
    email: aws+management@acme.example
    enable_dynamo_encryption: false
  - name: security
    email: aws+security@acme.example
    id: \"222222222222\"
  - name: shared
    email: aws+shared@acme.example
users:
- first_name: Natasha
  last_name: Romanoff
  email: natasha@acme.example
  groups:
  - administrators
accounts:
  shared:
    networks:
    - availability_zones: [a, b]
";

/// The files of the test's template repository (`template/...` and `le-resources/...`).
const TEMPLATE_FILES: &[(&str, &str)] = &[
    (
        "le-resources/project.yaml",
        "project_name: <project name>\nshort_name: <short name>\n",
    ),
    (
        "le-resources/utils.jinja",
        "{% macro users_list(users) -%}\n  {\n  {%- for user in users %}\n    \"{{ user.first_name | lower }}.{{ user.last_name | lower }}\" = {{ user.groups }}\n  {% endfor -%}\n  }\n{% endmacro %}\n",
    ),
    ("template/.gitignore", "*.tfstate\n"),
    (
        "template/build.env.template",
        "PROJECT={{ short_name }}\nMFA_ENABLED={{ mfa_enabled | default(\"false\") }}\nTERRAFORM_IMAGE_TAG={{ terraform_image_tag }}\n",
    ),
    ("template/config/.gitkeep", ""),
    (
        "template/config/common-variables.tf",
        "variable \"project\" {}\n",
    ),
    (
        "template/config/common.tfvars.template",
        "project = \"{{ short_name }}\"\nproject_long = \"{{ project_name }}\"\n{%- for account in organization.accounts %}\n{{ account.name }}_account_id = \"{% if account.id %}{{ account.id }}{% else %}XXXXXXXXXXXX{% endif %}\"{% endfor %}\n\n",
    ),
    (
        "template/management/config/account.tfvars",
        "environment = \"management\"",
    ),
    (
        "template/management/config/backend.tfvars.template",
        "profile = \"{{ short_name }}-bootstrap\"\nencrypt = {{ organization.accounts | selectattr(\"name\", \"equalto\", \"management\") | first | attr(\"enable_dynamo_encryption\") | default(\"true\") | lower }}\n",
    ),
    (
        "template/management/global/organizations/config.tf",
        "terraform {}\n",
    ),
    (
        "template/management/global/organizations/locals.tf.template",
        "locals {\n  management_email = \"{{ organization.accounts | selectattr(\"name\", \"equalto\", \"management\") | first | value(key=\"email\") }}\"\n}\n",
    ),
    (
        "template/management/global/sso/locals.tf.template",
        "{%- from \"le-resources/utils.jinja\" import users_list -%}\nlocals {\n  users = {{ users_list(users) }}\n}\n",
    ),
    ("template/management/global/sso/keys/.gitkeep", ""),
    (
        "template/management/primary_region/base-tf-backend/main.tf",
        "module \"backend\" {}\n",
    ),
    (
        "template/management/primary_region/security-base/account.tf",
        "# management\n",
    ),
    (
        "template/security/config/account.tfvars",
        "environment = \"security\"\n",
    ),
    (
        "template/security/config/backend.tfvars.template",
        "profile = \"{{ short_name }}-security-oaar\"\n",
    ),
    (
        "template/security/primary_region/base-tf-backend/main.tf",
        "module \"backend\" {}\n",
    ),
    (
        "template/security/primary_region/security-base/account.tf",
        "# security\n",
    ),
    (
        "template/shared/config/account.tfvars",
        "environment = \"shared\"\n",
    ),
    (
        "template/shared/config/backend.tfvars.template",
        "profile = \"{{ short_name }}-shared-oaar\"\nregion = \"{{ primary_region | default(\"us-west-2\") }}\"\n",
    ),
    (
        "template/shared/primary_region/base-network/locals.tf.template",
        "locals {\n  azs = [\n    \"${var.region}{{ accounts.shared.networks[0].availability_zones | join(\"\\\",\\n\\\"${var.region}\") | indent(width=4) }}\"\n  ]\n}\n",
    ),
    (
        "template/shared/primary_region/base-network/network.tf",
        "module \"vpc\" {}\n",
    ),
    (
        "template/shared/primary_region/base-network/nested/skipped.tf.template",
        "# upstream renders only a layer's own templates: this one is neither copied nor rendered\n",
    ),
    (
        "template/shared/primary_region/base-tf-backend/main.tf",
        "module \"backend\" {}\n",
    ),
    (
        "template/shared/primary_region/security-base/account.tf",
        "# shared\n",
    ),
    (
        "template/apps-devstg/README.md",
        "not part of the fixed structure\n",
    ),
];

/// Symlinks of the template: (path, target).
const TEMPLATE_LINKS: &[(&str, &str)] = &[
    (
        "template/management/global/organizations/common-variables.tf",
        "../../../config/common-variables.tf",
    ),
    (
        "template/shared/primary_region/base-network/common-variables.tf",
        "../../../config/common-variables.tf",
    ),
];

const EXECUTABLE: &str = "template/shared/primary_region/base-network/scripts/check.sh";

/// Builds the template repository (branch master, two commits) beside the project.
fn template_repo(s: &Scenario) -> PathBuf {
    let repo = s.dir.path().join("template-origin");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "--quiet", "-b", "master"]);
    std::fs::write(repo.join("README.md"), "test template\n").unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "--quiet", "-m", "first"]);
    for (path, text) in TEMPLATE_FILES {
        s.write(repo.join(path), text);
    }
    for (path, target) in TEMPLATE_LINKS {
        std::os::unix::fs::symlink(target, repo.join(path)).unwrap();
    }
    s.write(repo.join(EXECUTABLE), "#!/bin/sh\necho ok\n");
    std::fs::set_permissions(
        repo.join(EXECUTABLE),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "--quiet", "-m", "the template"]);
    repo
}

/// A scenario with an empty project directory, a template origin, and a PATH holding `tools`
/// stand-ins (and the system directories) only.
fn scenario(tools: &[&str]) -> (Scenario, PathBuf) {
    let s = Scenario::new().standins(tools);
    std::fs::remove_dir_all(s.project()).unwrap();
    std::fs::create_dir(s.project()).unwrap();
    let origin = template_repo(&s);
    let s = s.env("LEVERAGE_TEMPLATE_REPO", origin.to_str().unwrap());
    (s, origin)
}

/// init, then the test's project.yaml in place of the template's.
fn initialized(tools: &[&str]) -> (Scenario, PathBuf) {
    let (s, origin) = scenario(tools);
    s.run(&["project", "init"], "").success();
    s.write(s.project().join("project.yaml"), PROJECT_YAML);
    (s, origin)
}

/// Every path below `dir` (but .git), sorted: directories, links with their targets, files with
/// their mode and exact bytes (`[no newline at end]` when the last line has none).
fn tree(dir: &Path) -> String {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(base).unwrap().display().to_string();
            if rel == ".git" {
                continue;
            }
            let meta = path.symlink_metadata().unwrap();
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.push((rel.clone(), format!("{rel} -> {}\n", target.display())));
            } else if meta.is_dir() {
                out.push((rel.clone(), format!("{rel}/\n")));
                walk(base, &path, out);
            } else {
                let text = std::fs::read_to_string(&path).unwrap();
                let mode = meta.permissions().mode() & 0o777;
                let end = if text.is_empty() || text.ends_with('\n') {
                    ""
                } else {
                    "\n[no newline at end]\n"
                };
                out.push((rel.clone(), format!("{rel} ({mode:o})\n{text}{end}---\n")));
            }
        }
    }
    let mut entries = Vec::new();
    walk(dir, dir, &mut entries);
    entries.sort();
    entries.into_iter().map(|(_, s)| s).collect()
}

/// stderr without timestamps and with the temp directories named.
fn log(s: &Scenario, stderr: &str) -> String {
    let mut out = String::new();
    for line in stderr.lines() {
        let line = match line.strip_prefix('[') {
            Some(rest) => rest.split_once("] ").map_or(line, |(_, l)| l),
            None => line,
        };
        let line = line
            .replace(s.project().to_str().unwrap(), "[PROJECT]")
            .replace(s.home().to_str().unwrap(), "[HOME]")
            .replace(s.dir.path().to_str().unwrap(), "[TMP]");
        writeln!(out, "{line}").unwrap();
    }
    out
}

#[test]
fn init_clones_the_template_makes_a_git_repository_and_drops_project_yaml() {
    let (s, _) = scenario(&[]);
    let run = s.run(&["project", "init"], "");
    run.success();
    insta::assert_snapshot!(log(&s, &run.stderr), @r"
    INFO     No Leverage config directory found in user's home. Creating.
    INFO     No project template found. Cloning template.
    INFO     Finished cloning template.
    INFO     Initializing git repository in project directory.
    INFO     No project configuration file found. Dropping configuration template project.yaml.
    INFO     Project initialization finished.
    ");
    assert!(s.project().join(".git").is_dir());
    assert!(s.home().join(".leverage/templates/.git").is_dir());
    assert_eq!(
        s.read(s.project().join("project.yaml")),
        "project_name: <project name>\nshort_name: <short name>\n"
    );
}

#[test]
fn init_inside_another_repository_still_gives_the_project_its_own() {
    // A HOME (here the scenario's directory) kept in git, as dotfiles repositories do.
    let (s, _) = scenario(&[]);
    git(s.dir.path(), &["init", "--quiet"]);
    s.run(&["project", "init"], "").success();
    assert!(s.project().join(".git").is_dir());
}

#[test]
fn init_again_pulls_the_template_and_keeps_the_users_project_yaml() {
    let (s, origin) = initialized(&[]);
    s.write(origin.join("template/config/new.tf"), "# new\n");
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "--quiet", "-m", "more"]);
    let run = s.run(&["project", "init"], "");
    run.success();
    insta::assert_snapshot!(log(&s, &run.stderr), @r"
    INFO     Project template found. Updating.
    INFO     Finished updating template.
    INFO     Project directory is already in a git repository.
    WARNING  Project configuration file project.yaml already exists in directory.
    INFO     Project initialization finished.
    ");
    assert!(
        s.home()
            .join(".leverage/templates/template/config/new.tf")
            .is_file()
    );
    assert_eq!(s.read(s.project().join("project.yaml")), PROJECT_YAML);
}

#[test]
fn create_makes_exactly_the_expected_tree_and_formats_it_with_tofu() {
    let (s, _) = initialized(&["tofu"]);
    let run = s.run(&["project", "create"], "");
    run.success();
    insta::assert_snapshot!("create_log", log(&s, &run.stderr));
    insta::assert_snapshot!("created_tree", tree(&s.project()));
    let calls = s.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].name, "tofu");
    assert_eq!(calls[0].args, ["fmt", "-recursive"]);
    // fmt runs on the staged tree before it is moved in, never on the user's other files.
    assert_eq!(calls[0].cwd.parent(), Some(s.project().as_path()));
    assert!(!calls[0].cwd.exists(), "the staging directory is removed");
}

#[test]
fn create_without_tofu_or_terraform_warns_that_files_are_unformatted() {
    let (s, _) = initialized(&[]);
    let run = s.run(&["project", "create"], "");
    run.success();
    let log = log(&s, &run.stderr);
    assert!(log.contains("WARNING  Neither tofu nor terraform is on PATH: the files are left unformatted; run `tofu fmt -recursive` or `terraform fmt -recursive` in the project later.\n"), "{log}");
    assert!(
        s.project()
            .join("shared/us-east-1/base-network/locals.tf")
            .is_file()
    );
}

#[test]
fn a_second_create_changes_nothing() {
    let (s, _) = initialized(&[]);
    s.run(&["project", "create"], "").success();
    let before = tree(&s.project());
    let run = s.run(&["project", "create"], "");
    run.failure();
    insta::assert_snapshot!(log(&s, &run.stderr), @r"
    ERROR    the project has already been created: [PROJECT]/config exists
    hint: nothing was changed; to create the project again, move config/ and the account directories away first
    ");
    assert_eq!(tree(&s.project()), before);
}

#[test]
fn dry_run_lists_every_path_and_writes_nothing() {
    let (s, _) = initialized(&["tofu"]);
    let before = tree(&s.project());
    let run = s.run(&["project", "create", "--dry-run"], "");
    run.success();
    insta::assert_snapshot!(
        run.stdout
            .replace(s.project().to_str().unwrap(), "[PROJECT]")
    );
    assert_eq!(tree(&s.project()), before);
    assert!(s.calls().is_empty());
    // Nothing is set up, so nothing says it is.
    assert!(!run.stderr.contains("INFO"), "{}", run.stderr);
}

#[test]
fn accounts_beyond_the_fixed_three_get_a_config_directory() {
    let (s, _) = initialized(&[]);
    let yaml = PROJECT_YAML.replace(
        "users:",
        "  - name: network\n    email: aws+network@acme.example\n  - name: apps-devstg\n    email: aws+apps-devstg@acme.example\nusers:",
    );
    s.write(s.project().join("project.yaml"), &yaml);
    s.run(&["project", "create"], "").success();
    insta::assert_snapshot!(tree(&s.project().join("network")), @r#"
    config/
    config/account.tfvars (644)
    #
    # Account Configuration
    #

    # Environment Name
    environment = "network"

    # SSO Role
    sso_role    = "DevOps"
    [no newline at end]
    ---
    config/backend.tfvars (644)
    #
    # Backend Configuration
    #

    # AWS Profile (required by the backend but also used for other resources)
    profile         = "ac-network-oaar"

    # S3 bucket
    bucket          = "ac-network-terraform-backend"

    # AWS Region (required by the backend but also used for other resources)
    region          = "us-east-1"

    # Enable DynamoDB server-side encryption?
    encrypt         = true

    # DynamoDB Table Name
    dynamodb_table  = "ac-network-terraform-backend"
    [no newline at end]
    ---
    "#);
    // The template has an apps-devstg/ without config/: that account gets ours too, nothing else.
    let devstg = tree(&s.project().join("apps-devstg"));
    assert!(
        devstg.starts_with("config/\nconfig/account.tfvars (644)\n"),
        "{devstg}"
    );
    assert!(!devstg.contains("README"), "{devstg}");
    assert!(
        s.read(s.project().join("config/common.tfvars"))
            .contains("apps-devstg_account_id = \"XXXXXXXXXXXX\"")
    );
}

#[test]
fn an_existing_build_env_is_replaced_and_kept_as_bkp() {
    let (s, _) = initialized(&[]);
    s.write(s.project().join("build.env"), "PROJECT=ac\n");
    let run = s.run(&["project", "create"], "");
    run.success();
    assert_eq!(s.read(s.project().join("build.env.bkp")), "PROJECT=ac\n");
    assert_eq!(
        s.read(s.project().join("build.env")),
        "PROJECT=ac\nMFA_ENABLED=false\nTERRAFORM_IMAGE_TAG="
    );
    assert!(log(&s, &run.stderr).contains("WARNING  [PROJECT]/build.env was replaced by the template's; the previous one is kept as [PROJECT]/build.env.bkp\n"));
}

/// One failing command: exit != 0, one error line plus a hint, the project as it was.
fn refused(s: &Scenario, args: &[&str]) -> String {
    let before = tree(&s.project());
    let run = s.run(args, "");
    run.failure();
    let log = log(s, &run.stderr);
    assert_eq!(
        log.lines().filter(|l| l.starts_with("ERROR")).count(),
        1,
        "{log}"
    );
    assert_eq!(tree(&s.project()), before, "the project changed");
    let leftovers: Vec<_> = std::fs::read_dir(s.project())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".leverage-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    log.lines()
        .filter(|l| !l.starts_with("INFO"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn create_without_project_yaml_is_refused() {
    let (s, _) = scenario(&[]);
    git(&s.project(), &["init", "--quiet"]);
    insta::assert_snapshot!(refused(&s, &["project", "create"]), @r"
    ERROR    no project.yaml in [PROJECT]
    hint: run `leverage project init` here first; it drops a project.yaml to fill in
    ");
}

#[test]
fn create_without_a_template_clone_is_refused() {
    let (s, _) = scenario(&[]);
    s.write(s.project().join("project.yaml"), PROJECT_YAML);
    insta::assert_snapshot!(refused(&s, &["project", "create"]), @r"
    ERROR    no project template in [HOME]/.leverage/templates/template
    hint: run `leverage project init` first; it clones the template
    ");
}

#[test]
fn create_refuses_an_account_directory_in_the_way() {
    let (s, _) = initialized(&[]);
    s.write(s.project().join("shared/notes.txt"), "mine\n");
    insta::assert_snapshot!(refused(&s, &["project", "create"]), @r"
    ERROR    [PROJECT]/shared already exists; `project create` makes it and will not mix with it
    hint: nothing was changed; move it away (or rename the account) and run the command again
    ");
}

#[test]
fn each_invalid_field_is_refused_naming_the_key_and_the_rule() {
    let (s, _) = initialized(&[]);
    let cases = [
        ("project_name: acme-landing", "project_name: <project name>"),
        ("project_name: acme-landing", "project_name: Acme"),
        ("short_name: ac", "short_name: acme1"),
        ("short_name: ac\n", ""),
        ("primary_region: us-east-1", "primary_region: us-east"),
        ("secondary_region: us-west-2", "secondary_region: 3"),
        ("name: security", "name: Security"),
        (
            "email: aws+shared@acme.example",
            "email: <aws+shared@example.com>",
        ),
        ("id: \"222222222222\"", "id: 22222222222"),
        ("id: \"222222222222\"", "id: \"2222-2222-2222\""),
        ("  - name: shared\n    email: aws+shared@acme.example\n", ""),
        ("name: shared", "name: security"),
        ("organization:", "organisation:"),
        (PROJECT_YAML, ""),
    ];
    let mut out = String::new();
    for (from, to) in cases {
        assert!(PROJECT_YAML.contains(from), "{from}");
        s.write(
            s.project().join("project.yaml"),
            &PROJECT_YAML.replacen(from, to, 1),
        );
        let error = refused(&s, &["project", "create"]);
        writeln!(out, "{}", error.lines().next().unwrap()).unwrap();
    }
    insta::assert_snapshot!(out, @r#"
    ERROR    project.yaml: project_name = "<project name>" is not valid: 3 to 25 lowercase letters, digits or hyphens, starting and ending with a letter or digit
    ERROR    project.yaml: project_name = "Acme" is not valid: 3 to 25 lowercase letters, digits or hyphens, starting and ending with a letter or digit
    ERROR    project.yaml: short_name = "acme1" is not valid: 2 to 4 lowercase letters
    ERROR    project.yaml: short_name is missing (2 to 4 lowercase letters)
    ERROR    project.yaml: primary_region = "us-east" is not valid: an AWS region such as us-east-1
    ERROR    project.yaml: secondary_region = 3 is not valid: an AWS region such as us-east-1
    ERROR    project.yaml: organization.accounts[1].name = "Security" is not valid: 1 to 50 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen
    ERROR    project.yaml: organization.accounts[2] (shared).email = "<aws+shared@example.com>" is not valid: an e-mail address such as aws+security@example.com
    ERROR    project.yaml: organization.accounts[1] (security).id = 22222222222 is not valid: an AWS account id, 12 digits (quote it when it starts with 0)
    ERROR    project.yaml: organization.accounts[1] (security).id = "2222-2222-2222" is not valid: an AWS account id, 12 digits (quote it when it starts with 0)
    ERROR    project.yaml: organization.accounts entry named shared is missing (the template needs the management, security and shared accounts)
    ERROR    project.yaml: organization.accounts[2] (security).name = "security" is not valid: account names must be unique
    ERROR    project.yaml: organization.accounts is missing (a list of accounts, each with a name and an email)
    ERROR    project.yaml: project_name is missing (3 to 25 lowercase letters, digits or hyphens, starting and ending with a letter or digit)
    "#);
}

#[test]
fn init_with_an_unreachable_template_and_no_clone_is_refused() {
    let (s, _) = scenario(&[]);
    let s = s.env("LEVERAGE_TEMPLATE_REPO", "/nonexistent/template.git");
    let error = refused(&s, &["project", "init"]);
    insta::assert_snapshot!(error, @r"
    ERROR    could not get the project template from /nonexistent/template.git: fatal: repository '/nonexistent/template.git' does not exist
    hint: check the network, or clone https://github.com/binbashar/le-tf-infra-aws-template.git where you can and set LEVERAGE_TEMPLATE_REPO to that path or URL
    ");
    assert!(!s.home().join(".leverage/templates").exists());
    let leftovers: Vec<_> = std::fs::read_dir(s.home().join(".leverage"))
        .unwrap()
        .flatten()
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn init_with_an_unreachable_template_but_a_clone_warns_and_goes_on() {
    let (s, _) = initialized(&[]);
    let s = s.env("LEVERAGE_TEMPLATE_REPO", "/nonexistent/template.git");
    let run = s.run(&["project", "init"], "");
    run.success();
    insta::assert_snapshot!(log(&s, &run.stderr), @r"
    INFO     Project template found. Updating.
    WARNING  Could not update the project template from /nonexistent/template.git (fatal: '/nonexistent/template.git' does not appear to be a git repository); going on with the copy in [HOME]/.leverage/templates
    INFO     Project directory is already in a git repository.
    WARNING  Project configuration file project.yaml already exists in directory.
    INFO     Project initialization finished.
    ");
    s.run(&["project", "create"], "").success();
}
