//! `leverage identities sts-regions` against a test STS endpoint that answers by the region in
//! the request's signature: active, deactivated (RegionDisabledException), or unknown keys in a
//! region the account has not opted in to (InvalidClientTokenId).

use crate::support::Scenario;
use crate::support::fake_sts::FakeSts;

const KEYS: &str = "[bb-management]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

fn scenario(sts: &FakeSts, regions_allowed: Option<&str>) -> Scenario {
    let s = Scenario::new().env("AWS_ENDPOINT_URL_STS", &sts.endpoint);
    s.write(s.aws_dir().join("credentials"), KEYS);
    if let Some(list) = regions_allowed {
        let common = s.read(s.project().join("config/common.tfvars"));
        s.write(
            s.project().join("config/common.tfvars"),
            &format!("{common}\nregions_allowed = {list}\n"),
        );
    }
    s
}

fn fake() -> FakeSts {
    FakeSts::start(serde_json::json!({
        "regions": {
            "eu-west-3": "RegionDisabledException",
            "sa-east-1": "RegionDisabledException",
            "af-south-1": "InvalidClientTokenId",
            "ap-east-1": "InvalidClientTokenId",
        }
    }))
}

#[test]
fn every_region_is_asked_once_and_the_table_compares_them_with_regions_allowed() {
    let sts = fake();
    let s = scenario(&sts, Some(r#"["us-east-1", "us-west-2", "eu-west-3"]"#));
    let run = s.run(&["identities", "sts-regions"], "");
    run.success().never_shows("wJalrXUtnFEMI");
    insta::assert_snapshot!(run.stdout);
    let mut regions: Vec<String> = sts.requests().into_iter().map(|(r, _, _)| r).collect();
    regions.sort();
    let unique = regions.len();
    regions.dedup();
    assert_eq!(unique, regions.len(), "one request per region");
    assert_eq!(regions.len(), 34);
}

#[test]
fn json_lists_the_regions_and_the_active_ones_not_allowed() {
    let sts = fake();
    let s = scenario(&sts, Some(r#"["us-east-1"]"#));
    let run = s.run(
        &[
            "identities",
            "sts-regions",
            "--json",
            "--profile",
            "bb-management",
        ],
        "",
    );
    run.success();
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["profile"], "bb-management");
    assert_eq!(report["allowed_from"], "regions_allowed");
    assert_eq!(report["allowed"], serde_json::json!(["us-east-1"]));
    let row = |name: &str| {
        report["regions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["region"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        row("us-east-1"),
        serde_json::json!({"region": "us-east-1", "status": "active", "allowed": true})
    );
    assert_eq!(row("eu-west-3")["status"], "inactive");
    assert_eq!(row("af-south-1")["status"], "not_opted_in");
    let active_not_allowed = report["active_not_allowed"].as_array().unwrap();
    assert_eq!(active_not_allowed.len(), 34 - 4 - 1);
    assert!(!active_not_allowed.contains(&serde_json::json!("us-east-1")));
    assert_eq!(
        report["console_url"],
        "https://console.aws.amazon.com/iam/home#/account_settings"
    );
}

#[test]
fn without_regions_allowed_the_primary_and_secondary_regions_are_the_allowed_ones() {
    let sts = fake();
    let s = scenario(&sts, None);
    let run = s.run(&["identities", "sts-regions", "--json"], "");
    run.success().stderr_has(
        "config/common.tfvars has no regions_allowed: the allowed regions are region_primary and region_secondary.",
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        report["allowed"],
        serde_json::json!(["us-east-1", "us-west-2"])
    );
}

#[test]
fn without_keys_the_error_names_the_profiles_tried() {
    let sts = fake();
    let s = Scenario::new().env("AWS_ENDPOINT_URL_STS", &sts.endpoint);
    let run = s.run(&["identities", "sts-regions"], "");
    assert_eq!(run.code, 1, "{}", run.all());
    run.stderr_has(
        "no keys to ask STS with: none of bb-management, bb-security, bb-bootstrap has keys in",
    )
    .stderr_has("hint: store keys with `leverage credentials configure`, or pass --profile");
    assert!(sts.requests().is_empty());
}
