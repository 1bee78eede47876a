//! `leverage kubectl` / `kc`: a recording stand-in kubectl for the passthrough; `configure` and
//! `discover` end to end with the real AWS CLI writing the kubeconfig from moto_server's EKS.

use crate::support::{AwsFixture, Moto, Scenario, venv_bin};

const CLUSTER_LAYER: &str = "shared/us-east-1/k8s-eks/cluster";
const CLUSTER: &str = "bb-shared-k8s";
const PROFILE: &str = "bb-shared-devops";

fn with_aws_on_path(s: Scenario) -> Scenario {
    let standins = s.standin_path("x").parent().unwrap().display().to_string();
    let venv = venv_bin("aws").parent().unwrap().display().to_string();
    s.env("PATH", &format!("{standins}:{venv}:/usr/bin:/bin"))
}

/// A project with a cluster layer, a profile for it (whose own region is not the clusters'), and
/// EKS clusters in moto_server.
fn eks_project() -> Scenario {
    let mut s = Scenario::new();
    s.moto = Some(Moto::start());
    let s = with_aws_on_path(s.standins(&["terraform"]));
    s.write(
        s.aws_dir().join("credentials"),
        &format!("[{PROFILE}]\naws_access_key_id = testing\naws_secret_access_key = testing\n"),
    );
    s.write(
        s.aws_dir().join("config"),
        &format!("[profile {PROFILE}]\nregion = eu-west-1\noutput = json\n"),
    );
    let config = s.read(
        s.project()
            .join("shared/us-east-1/base-tf-backend/config.tf"),
    );
    s.write(s.project().join(CLUSTER_LAYER).join("config.tf"), &config);
    for name in [CLUSTER, "bb-apps-k8s"] {
        s.aws(
            &[
                "eks",
                "create-cluster",
                "--name",
                name,
                "--role-arn",
                "arn:aws:iam::123456789012:role/eks",
                "--resources-vpc-config",
                "subnetIds=subnet-12345678",
                "--region",
                "us-east-1",
                "--profile",
                PROFILE,
            ],
            "",
        )
        .success();
    }
    s
}

fn kubeconfig(s: &Scenario) -> String {
    s.read(s.home().join(".kube/bb/config"))
}

#[track_caller]
fn assert_kubeconfig_has(s: &Scenario, cluster: &str) {
    let config = kubeconfig(s);
    let arn = format!("arn:aws:eks:us-east-1:123456789012:cluster/{cluster}");
    assert!(
        config.contains(&format!("current-context: {arn}")),
        "{config}"
    );
    assert!(
        config.contains(&format!("- {PROFILE}")) || config.contains(&format!("value: {PROFILE}")),
        "the context uses the profile: {config}"
    );
}

#[test]
fn kubectl_gets_the_arguments_untouched_the_project_kubeconfig_and_aws_files() {
    let s = Scenario::new().standins(&["kubectl"]);
    for alias in ["kubectl", "kc"] {
        s.clear_calls();
        let run = s.run(
            &[alias, "get", "pods", "-n", "kube-system", "--context=x"],
            "",
        );
        run.success();
        let calls = s.calls();
        assert_eq!(calls.len(), 1, "{calls:#?}");
        let call = &calls[0];
        assert_eq!(
            call.args,
            ["get", "pods", "-n", "kube-system", "--context=x"]
        );
        let home = s.home().display().to_string();
        assert_eq!(call.env["KUBECONFIG"], format!("{home}/.kube/bb/config"));
        assert_eq!(
            call.env["AWS_CONFIG_FILE"],
            format!("{home}/.aws/bb/config")
        );
        assert_eq!(
            call.env["AWS_SHARED_CREDENTIALS_FILE"],
            format!("{home}/.aws/bb/credentials")
        );
    }
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(s.home().join(".kube/bb"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o700);
}

#[test]
fn kubectls_exit_code_is_leverages_and_a_missing_kubectl_says_what_to_install() {
    let s = Scenario::new()
        .standins(&["kubectl"])
        .env("STANDIN_EXIT", "3");
    assert_eq!(s.run(&["kc", "version"], "").code, 3);
    let s = Scenario::new().env("PATH", "/nonexistent");
    let run = s.run(&["kc", "get", "pods"], "");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(s.transcript(&run));
}

#[test]
fn in_a_layer_with_mfa_on_kubectl_gets_the_layers_temporary_credentials() {
    let layer = "shared/us-east-1/base-tf-backend";
    let s = Scenario::new()
        .moto(AwsFixture::landing_zone())
        .standins(&["kubectl"])
        .env("STANDIN_COPY_AWS_FILES", "1");
    s.configure_management(&["--fetch-mfa-device"]).success();
    s.enable_mfa();
    s.clear_calls();
    let s = s.cd(layer);
    let run = s.run(&["kc", "get", "pods"], "123456\n");
    run.success()
        .stderr_has("> MFA: Please type in your OTP")
        .never_shows(&s.seeded().user().secret_access_key);
    let calls = s.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!(calls[0].args, ["get", "pods"]);
    let private = s.aws_dir().join("leverage-credentials-");
    assert!(
        calls[0].env["AWS_CONFIG_FILE"].starts_with(private.to_str().unwrap()),
        "private files, not the user's: {}",
        calls[0].env["AWS_CONFIG_FILE"]
    );
    let credentials = calls[0]
        .credentials
        .clone()
        .expect("the stand-in kept the credentials");
    assert!(
        credentials.contains("[bb-shared-oaar]") && credentials.contains("aws_session_token"),
        "{credentials}"
    );
}

#[test]
fn without_home_nothing_is_made_in_the_current_directory() {
    let s = Scenario::new().standins(&["kubectl"]).env("HOME", "");
    let run = s.run(&["kc", "get", "pods"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has("HOME is not set, so there is no ~/.kube for the kubeconfig");
    assert!(!s.project().join(".kube").exists());
    assert!(s.calls().is_empty());
}

#[test]
fn configure_runs_the_layers_update_kubeconfig_line_with_the_region() {
    let s = eks_project();
    let outputs = s.dir.path().join("outputs.txt");
    s.write(
        &outputs,
        &format!(
            "cluster_name = \"{CLUSTER}\"\nkubectl_config = <<EOT\nexport KUBECONFIG=~/.kube/bb/x\n\
             aws eks update-kubeconfig --name {CLUSTER} --profile {PROFILE}\nEOT\n"
        ),
    );
    let s = s
        .env("STANDIN_STDOUT_FILE", outputs.to_str().unwrap())
        .cd(CLUSTER_LAYER);
    let run = s.run(&["kubectl", "configure"], "");
    run.success();
    let calls = s.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!(calls[0].name, "terraform");
    assert_eq!(calls[0].args, ["output", "-no-color"]);
    assert_kubeconfig_has(&s, CLUSTER);
    let log: Vec<&str> = run.stderr.lines().filter(|l| l.contains("INFO")).collect();
    assert_eq!(log.len(), 3, "{}", run.stderr);
    assert!(log[0].ends_with("Retrieving k8s cluster information..."));
    assert!(log[1].ends_with("Configuring context..."));
    assert!(log[2].ends_with("Done."));
}

#[test]
fn configure_refuses_layers_that_are_not_the_cluster_layer() {
    let layer = Scenario::new()
        .standins(&["terraform"])
        .cd("shared/us-east-1/base-tf-backend");
    let run = layer.run(&["kc", "configure"], "");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("not_the_cluster_layer", layer.transcript(&run));
    let root = Scenario::new().standins(&["terraform"]);
    let run = root.run(&["kc", "configure"], "");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("not_a_layer", root.transcript(&run));
    assert!(layer.calls().is_empty() && root.calls().is_empty());
}

fn metadata(cluster: &str, profile: &str) -> String {
    format!(
        "type: k8s-eks-cluster\ndata:\n  cluster_name: {cluster}\n  region: us-east-1\n  \
         profile: {profile}\n"
    )
}

/// Two cluster metadata files, one of another type, one malformed, one hidden.
fn discover_project() -> Scenario {
    let s = eks_project();
    let p = s.project();
    s.write(
        p.join(CLUSTER_LAYER).join("metadata.yaml"),
        &metadata(CLUSTER, PROFILE),
    );
    s.write(
        p.join("apps/us-east-1/k8s-eks/cluster/metadata.yaml"),
        &metadata("bb-apps-k8s", PROFILE),
    );
    s.write(
        p.join("shared/us-east-1/network/metadata.yaml"),
        "type: vpc\n",
    );
    s.write(p.join("security/metadata.yaml"), "type: [k8s-eks-cluster\n");
    s.write(p.join(".cache/metadata.yaml"), &metadata("hidden", PROFILE));
    s
}

#[test]
fn discover_lists_the_clusters_and_configures_the_one_picked_on_stdin() {
    let s = discover_project();
    let run = s.run(&["kubectl", "discover"], "2\n");
    run.success();
    assert_kubeconfig_has(&s, CLUSTER);
    insta::assert_snapshot!(s.transcript(&run));
}

#[test]
fn discover_with_cluster_configures_that_one_without_asking() {
    let s = discover_project();
    let run = s.run(&["kc", "discover", "--cluster", "bb-apps-k8s"], "");
    run.success();
    assert_kubeconfig_has(&s, "bb-apps-k8s");
    assert!(!run.stderr.contains("Clusters found"), "{}", run.stderr);
    let run = s.run(&["kc", "discover", "--cluster", "nope"], "");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("unknown_cluster", s.transcript(&run));
}

#[test]
fn discover_without_clusters_or_answers_is_a_clear_error() {
    let s = Scenario::new();
    let run = s.run(&["kc", "discover"], "");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("no_clusters", s.transcript(&run));
    let s = discover_project();
    let run = s.run(&["kc", "discover"], "");
    assert_eq!(run.code, 1);
    run.stderr_has("standard input ended; use --cluster NAME");
}
