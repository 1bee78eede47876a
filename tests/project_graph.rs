//! Whole-project runs in dependency order: `project graph`, `tf <cmd> --all` from the root with
//! `-j`, failures skipping dependents, and `--changed-since`, on a project of 12 layers in 3
//! accounts built here (a cycle, a cross-account edge, a disabled layer, a symlinked shared file,
//! a path with spaces), with recording stand-ins for the binary.

use crate::support::{Run, Scenario};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

const COMMON_VARIABLES: &str = r#"variable "project" {
  type = string
}
variable "environment" {
  type = string
}
variable "bucket" {
  type = string
}
variable "enable_tgw" {
  type    = bool
  default = false
}
"#;

fn backend(key: &str) -> String {
    format!("terraform {{\n  backend \"s3\" {{\n    key = \"{key}\"\n  }}\n}}\n")
}

/// The layers added to the fixture's five, with their config.tf after the backend block.
const LAYERS: &[(&str, &str, &str)] = &[
    (
        "security/us-east-1/security-keys",
        "security/security-keys/terraform.tfstate",
        r#"
data "terraform_remote_state" "identities" {
  backend = "s3"
  config = {
    bucket = var.bucket
    key    = "${var.environment}/identities/terraform.tfstate"
  }
}
"#,
    ),
    (
        "shared/us-east-1/base-network",
        "shared/network/terraform.tfstate",
        r#"
locals {
  peers = {
    peer = {
      bucket = "${var.project}-shared-terraform-backend"
      key    = "shared/network-peer/terraform.tfstate"
    }
  }
}

data "terraform_remote_state" "peers" {
  for_each = local.peers
  backend  = "s3"
  config = {
    bucket = lookup(each.value, "bucket")
    key    = lookup(each.value, "key")
  }
}

data "terraform_remote_state" "keys" {
  backend = "s3"
  config = {
    bucket = "${var.project}-security-terraform-backend"
    key    = "security/security-keys/terraform.tfstate"
  }
}
"#,
    ),
    (
        "shared/us-east-1/network-peer",
        "shared/network-peer/terraform.tfstate",
        r#"
data "terraform_remote_state" "network" {
  backend = "s3"
  config = {
    bucket = var.bucket
    key    = "${var.environment}/network/terraform.tfstate"
  }
}
"#,
    ),
    (
        "shared/us-east-1/k8s cluster",
        "shared/k8s-cluster/terraform.tfstate",
        r#"
variable "use_dr" {
  default = false
}

locals {
  reads = {
    network = { key = "shared/network/terraform.tfstate", enabled = true }
    backend = { key = "shared/tf-backend/terraform.tfstate", enabled = false }
  }
}

data "terraform_remote_state" "network" {
  backend = "s3"
  config = {
    bucket = var.bucket
    key    = var.use_dr ? "shared/network-dr/terraform.tfstate" : "shared/network/terraform.tfstate"
  }
}

data "terraform_remote_state" "filtered" {
  for_each = { for name, read in local.reads : name => read if read.enabled }
  backend  = "s3"
  config = {
    bucket = var.bucket
    key    = each.value.key
  }
}
"#,
    ),
    (
        "shared/us-east-1/old-tool--",
        "shared/old-tool/terraform.tfstate",
        "",
    ),
    (
        "shared/us-east-1/apps",
        "shared/apps/terraform.tfstate",
        r#"
data "terraform_remote_state" "cluster" {
  backend = "s3"
  config = {
    bucket = var.bucket
    key    = "shared/k8s-cluster/terraform.tfstate"
  }
}

data "terraform_remote_state" "old" {
  backend = "s3"
  config = {
    bucket = var.bucket
    key    = "shared/old-tool/terraform.tfstate"
  }
}

data "terraform_remote_state" "tgw" {
  count   = var.enable_tgw ? 1 : 0
  backend = "s3"
  config = {
    bucket = var.bucket
    key    = "shared/transit-gateway/terraform.tfstate"
  }
}

data "terraform_remote_state" "gone" {
  backend = "s3"
  config = {
    bucket = var.bucket
    key    = "shared/nothing/terraform.tfstate"
  }
}

data "terraform_remote_state" "computed" {
  backend = "s3"
  config = {
    bucket = var.bucket
    key    = data.aws_ssm_parameter.key.value
  }
}
"#,
    ),
    (
        "management/global/sso",
        "management/sso/terraform.tfstate",
        r#"
data "terraform_remote_state" "identities" {
  backend = "s3"
  config = {
    bucket = var.bucket
    key    = "${var.environment}/identities/terraform.tfstate"
  }
}
"#,
    ),
];

/// The fixture project plus the layers above, as a git repository with one commit tagged `base`.
fn project() -> Scenario {
    let s = Scenario::new().standins(&["tofu"]);
    let root = s.project();
    s.write(root.join("config/common-variables.tf"), COMMON_VARIABLES);
    for (layer, key, body) in LAYERS {
        let dir = root.join(layer);
        s.write(dir.join("config.tf"), &format!("{}{body}", backend(key)));
        std::os::unix::fs::symlink(
            "../../../config/common-variables.tf",
            dir.join("common-variables.tf"),
        )
        .unwrap();
    }
    git(&root, &["init", "-q", "-b", "main"]);
    commit(&root, "base");
    git(&root, &["tag", "base"]);
    s
}

fn git(root: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git is installed (apt-get install git)");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn commit(root: &Path, message: &str) {
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", message]);
}

/// Each stand-in call's layer (relative to the root) with its start and end times.
fn timed_calls(s: &Scenario) -> Vec<(String, u128, u128)> {
    let dir = s.dir.path().join("calls");
    let root = s.project().canonicalize().unwrap();
    let mut calls = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let start: u128 = name.split('-').next().unwrap().parse().unwrap();
        let end: u128 = std::fs::read_to_string(path.with_extension("end"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let cwd = text.lines().find_map(|l| l.strip_prefix("cwd ")).unwrap();
        let layer = Path::new(cwd)
            .strip_prefix(&root)
            .unwrap()
            .display()
            .to_string();
        calls.push((layer, start, end));
    }
    calls.sort_by_key(|c| c.1);
    calls
}

/// (consumer, producer) pairs from `project graph --format json`.
fn edges(s: &Scenario) -> Vec<(String, String)> {
    let run = s.run(&["project", "graph", "--format", "json"], "");
    run.success();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    json["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap().into(),
                e["to"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn summary_rows(run: &Run) -> BTreeMap<String, String> {
    let table = run.stderr.split("LAYER ").nth(1).expect("a summary table");
    table
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty() && !l.starts_with("Logs:"))
        .map(|l| {
            let (layer, rest) = l.split_once("  ").unwrap();
            (
                layer.to_string(),
                rest.split_whitespace().collect::<Vec<_>>().join(" "),
            )
        })
        .collect()
}

const ENABLED: &[&str] = &[
    "management/global/base-identities",
    "management/global/sso",
    "management/us-east-1/base-tf-backend",
    "security/global/base-identities",
    "security/us-east-1/base-tf-backend",
    "security/us-east-1/security-keys",
    "shared/us-east-1/apps",
    "shared/us-east-1/base-network",
    "shared/us-east-1/base-tf-backend",
    "shared/us-east-1/k8s cluster",
    "shared/us-east-1/network-peer",
];

#[test]
fn project_graph_shows_levels_reads_cycles_and_warnings() {
    let s = project();
    let run = s.run(&["project", "graph"], "");
    run.success();
    insta::assert_snapshot!(run.stdout);
    let dot = s.run(&["project", "graph", "--format", "dot"], "");
    dot.success();
    assert!(
        dot.stdout.contains(
            "\"shared/us-east-1/base-network\" -> \"security/us-east-1/security-keys\" [style=dashed, label=\"cross-account\"];"
        ),
        "{}",
        dot.stdout
    );
    let with_disabled = s.run(&["project", "graph", "--include-disabled"], "");
    assert!(
        with_disabled
            .stdout
            .contains("shared/us-east-1/old-tool--  [disabled]")
    );
    assert!(
        with_disabled
            .stdout
            .contains("reads shared/us-east-1/old-tool--")
    );
}

#[test]
fn plan_all_from_the_root_finishes_producers_before_their_consumers_start() {
    let s = project().env("STANDIN_SLEEP", "0.2");
    let run = s.run(&["tf", "plan", "--all", "-j", "4"], "");
    run.success();
    let calls = timed_calls(&s);
    let ran: Vec<&str> = calls.iter().map(|c| c.0.as_str()).collect();
    let unique: BTreeSet<&str> = ran.iter().copied().collect();
    assert_eq!(ran.len(), unique.len(), "each layer runs once: {ran:?}");
    assert_eq!(
        unique,
        ENABLED.iter().copied().collect(),
        "every enabled layer, no disabled one"
    );
    let time: BTreeMap<&str, (u128, u128)> =
        calls.iter().map(|c| (c.0.as_str(), (c.1, c.2))).collect();
    let edges = edges(&s);
    assert_eq!(edges.len(), 7, "{edges:?}");
    let cycle = [
        "shared/us-east-1/base-network",
        "shared/us-east-1/network-peer",
    ];
    for (consumer, producer) in &edges {
        if cycle.contains(&consumer.as_str()) && cycle.contains(&producer.as_str()) {
            continue;
        }
        assert!(
            time[producer.as_str()].1 < time[consumer.as_str()].0,
            "{producer} finished after {consumer} started"
        );
    }
    // The cycle's members run one at a time, in path order.
    assert!(time[cycle[0]].1 < time[cycle[1]].0);
    run.stderr_has(
        "shared/us-east-1/base-network, shared/us-east-1/network-peer read each other's state",
    );
    run.stderr_has("shared/us-east-1/apps/config.tf data.terraform_remote_state.gone: no layer owns the key shared/nothing/terraform.tfstate");
}

#[test]
fn a_failed_apply_skips_what_depends_on_it_and_independent_branches_go_on() {
    let s = project().env("STANDIN_FAIL_IN", "security-keys");
    let run = s.run(
        &[
            "tf",
            "apply",
            "--all",
            "-j",
            "4",
            "-auto-approve",
            "--allow-cycles",
        ],
        "",
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let rows = summary_rows(&run);
    let skipped = "skipped - - dependency failed: security/us-east-1/security-keys";
    let expected: BTreeMap<String, String> = ENABLED
        .iter()
        .map(|&layer| {
            let row = match layer {
                "security/us-east-1/security-keys" => "failed 1",
                "shared/us-east-1/apps"
                | "shared/us-east-1/base-network"
                | "shared/us-east-1/k8s cluster"
                | "shared/us-east-1/network-peer" => skipped,
                _ => "ok 0",
            };
            (layer.to_string(), row.to_string())
        })
        .collect();
    let without_durations: BTreeMap<String, String> = rows
        .into_iter()
        .map(|(layer, row)| {
            let words: Vec<&str> = row.split(' ').collect();
            let kept = if words[0] == "skipped" {
                row.clone()
            } else {
                words[..2].join(" ")
            };
            (layer, kept)
        })
        .collect();
    assert_eq!(without_durations, expected, "{}", run.stderr);
    assert_eq!(timed_calls(&s).len(), 7);
}

#[test]
fn apply_refuses_cycles_and_parallel_prompts_until_told() {
    let s = project();
    s.run(&["tf", "apply", "--all", "-auto-approve"], "")
        .failure()
        .stderr_has("apply would run across a dependency cycle: shared/us-east-1/base-network, shared/us-east-1/network-peer")
        .stderr_has("hint: pass --allow-cycles");
    s.run(&["tf", "destroy", "--all", "-j", "2", "--allow-cycles"], "")
        .failure()
        .stderr_has(
            "-j 2 runs destroy in several layers at once, but each would stop to ask for approval",
        );
    assert!(timed_calls(&s).is_empty());
}

#[test]
fn destroy_runs_dependents_first() {
    let s = project().cd("shared");
    s.run(&["tf", "destroy", "--all", "--allow-cycles"], "")
        .success();
    let order: Vec<String> = timed_calls(&s).into_iter().map(|c| c.0).collect();
    assert_eq!(
        order,
        [
            "shared/us-east-1/apps",
            "shared/us-east-1/k8s cluster",
            "shared/us-east-1/base-network",
            "shared/us-east-1/network-peer",
            "shared/us-east-1/base-tf-backend",
        ]
    );
}

#[test]
fn detailed_exitcode_over_many_layers_exits_2_when_anything_changes() {
    let s = project().env("STANDIN_EXIT", "2").cd("management");
    let run = s.run(&["tf", "plan", "--all", "-detailed-exitcode"], "");
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(
        summary_rows(&run)["management/global/sso"]
            .split(' ')
            .take(2)
            .collect::<Vec<_>>(),
        ["changes", "2"]
    );
}

/// The layers `--changed-since base --dry-run` lists from the root, with extra flags.
fn selected(s: &Scenario, extra: &[&str]) -> (i32, Vec<String>, String) {
    let mut args = vec![
        "tf",
        "plan",
        "--all",
        "--changed-since",
        "base",
        "--dry-run",
    ];
    args.extend(extra);
    let run = s.run(&args, "");
    let layers = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .map(|l| l.split("  ").next().unwrap().to_string())
        .collect();
    (run.code, layers, run.stdout)
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn changed_since_selects_changed_layers_and_their_dependents() {
    let s = project();
    let root = s.project();
    assert_eq!(
        selected(&s, &[]).1,
        Vec::<String>::new(),
        "nothing changed yet"
    );

    s.write(
        root.join("security/us-east-1/security-keys/main.tf"),
        "# changed\n",
    );
    commit(&root, "touch a layer");
    let (_, layers, stdout) = selected(&s, &[]);
    assert_eq!(
        layers,
        strings(&[
            "security/us-east-1/security-keys",
            "shared/us-east-1/base-network",
            "shared/us-east-1/network-peer",
            "shared/us-east-1/k8s cluster",
            "shared/us-east-1/apps",
        ]),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "security/us-east-1/security-keys  (changed: security/us-east-1/security-keys/main.tf)"
        ),
        "{stdout}"
    );
    assert_eq!(
        selected(&s, &["--dependents", "none"]).1,
        strings(&["security/us-east-1/security-keys"])
    );
    assert_eq!(
        selected(&s, &["--dependents", "direct"]).1,
        strings(&[
            "security/us-east-1/security-keys",
            "shared/us-east-1/base-network"
        ])
    );

    // An uncommitted change counts unless --committed-only.
    s.write(
        root.join("management/global/sso/main.tf"),
        "# uncommitted\n",
    );
    assert!(
        selected(&s, &[])
            .1
            .contains(&"management/global/sso".to_string())
    );
    assert!(
        !selected(&s, &["--committed-only"])
            .1
            .contains(&"management/global/sso".to_string())
    );
    std::fs::remove_file(root.join("management/global/sso/main.tf")).unwrap();
    git(&root, &["tag", "-f", "base"]);

    // The shared file every new layer links.
    s.write(
        root.join("config/common-variables.tf"),
        &format!("{COMMON_VARIABLES}# changed\n"),
    );
    commit(&root, "touch the symlink target");
    let mut linked: Vec<String> = selected(&s, &[]).1;
    linked.sort();
    assert_eq!(
        linked,
        strings(&[
            "management/global/sso",
            "security/us-east-1/security-keys",
            "shared/us-east-1/apps",
            "shared/us-east-1/base-network",
            "shared/us-east-1/k8s cluster",
            "shared/us-east-1/network-peer",
        ])
    );
    git(&root, &["tag", "-f", "base"]);

    // An account's tfvars: every layer of that account.
    let account = root.join("management/config/account.tfvars");
    s.write(&account, &format!("{}# changed\n", s.read(&account)));
    commit(&root, "touch an account tfvars");
    assert_eq!(
        selected(&s, &[]).1,
        strings(&[
            "management/global/base-identities",
            "management/us-east-1/base-tf-backend",
            "management/global/sso",
        ])
    );
    git(&root, &["tag", "-f", "base"]);

    // A deleted layer is reported and fails the run.
    git(&root, &["rm", "-q", "-r", "management/global/sso"]);
    commit(&root, "delete a layer");
    let (code, layers, stdout) = selected(&s, &[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(layers.is_empty(), "{stdout}");
    assert!(
        stdout.contains("deleted: management/global/sso"),
        "{stdout}"
    );
}

#[test]
fn init_over_many_layers_runs_one_at_a_time_when_a_plugin_cache_is_shared() {
    fn overlapping(s: &Scenario) -> Vec<(String, String)> {
        let calls = timed_calls(s);
        let mut pairs = Vec::new();
        for (i, a) in calls.iter().enumerate() {
            for b in &calls[i + 1..] {
                if b.1 < a.2 {
                    pairs.push((a.0.clone(), b.0.clone()));
                }
            }
        }
        pairs
    }
    // The cache named by the variable, then by the CLI configuration file.
    let s = project()
        .env("STANDIN_SLEEP", "0.1")
        .env("TF_PLUGIN_CACHE_DIR", "/tmp/plugin-cache");
    s.run(&["tf", "init", "--skip-validation", "--all", "-j", "4"], "")
        .success();
    assert_eq!(timed_calls(&s).len(), ENABLED.len());
    assert_eq!(overlapping(&s), Vec::<(String, String)>::new());

    let s = project().env("STANDIN_SLEEP", "0.1");
    s.write(
        s.home().join(".terraformrc"),
        "plugin_cache_dir = \"$HOME/.terraform.d/plugin-cache\"\n",
    );
    s.run(&["tf", "init", "--skip-validation", "--all", "-j", "4"], "")
        .success();
    assert_eq!(timed_calls(&s).len(), ENABLED.len());
    assert_eq!(overlapping(&s), Vec::<(String, String)>::new());
}
