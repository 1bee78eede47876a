//! The regions of each AWS partition, and which of them an account must opt in to. A static
//! list: the SDK's endpoint data is private, and EC2 DescribeRegions would cost a whole service
//! crate to build; new regions are added here (their STS endpoints answer as opt-in ones do).

/// One region of a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub name: &'static str,
    /// Disabled until the account enables it (then STS there is always active).
    pub opt_in: bool,
}

const fn default(name: &'static str) -> Region {
    Region {
        name,
        opt_in: false,
    }
}

const fn opt_in(name: &'static str) -> Region {
    Region { name, opt_in: true }
}

const AWS: &[Region] = &[
    opt_in("af-south-1"),
    opt_in("ap-east-1"),
    opt_in("ap-east-2"),
    default("ap-northeast-1"),
    default("ap-northeast-2"),
    default("ap-northeast-3"),
    default("ap-south-1"),
    opt_in("ap-south-2"),
    default("ap-southeast-1"),
    default("ap-southeast-2"),
    opt_in("ap-southeast-3"),
    opt_in("ap-southeast-4"),
    opt_in("ap-southeast-5"),
    opt_in("ap-southeast-6"),
    opt_in("ap-southeast-7"),
    default("ca-central-1"),
    opt_in("ca-west-1"),
    default("eu-central-1"),
    opt_in("eu-central-2"),
    default("eu-north-1"),
    opt_in("eu-south-1"),
    opt_in("eu-south-2"),
    default("eu-west-1"),
    default("eu-west-2"),
    default("eu-west-3"),
    opt_in("il-central-1"),
    opt_in("me-central-1"),
    opt_in("me-south-1"),
    opt_in("mx-central-1"),
    default("sa-east-1"),
    default("us-east-1"),
    default("us-east-2"),
    default("us-west-1"),
    default("us-west-2"),
];
const AWS_US_GOV: &[Region] = &[default("us-gov-east-1"), default("us-gov-west-1")];
const AWS_CN: &[Region] = &[default("cn-north-1"), default("cn-northwest-1")];

/// The partition a region belongs to: its name, its regions, and its console's host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub name: &'static str,
    pub regions: &'static [Region],
    pub console: &'static str,
}

impl Partition {
    pub fn of(region: &str) -> Partition {
        if region.starts_with("us-gov-") {
            Partition {
                name: "aws-us-gov",
                regions: AWS_US_GOV,
                console: "https://console.amazonaws-us-gov.com",
            }
        } else if region.starts_with("cn-") {
            Partition {
                name: "aws-cn",
                regions: AWS_CN,
                console: "https://console.amazonaws.cn",
            }
        } else {
            Partition {
                name: "aws",
                regions: AWS,
                console: "https://console.aws.amazon.com",
            }
        }
    }

    /// IAM > Account settings, where STS is activated or deactivated per region.
    pub fn sts_settings_url(&self) -> String {
        format!("{}/iam/home#/account_settings", self.console)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_sorted_unique_and_their_partition_is_found() {
        for partition in [
            Partition::of("us-east-1"),
            Partition::of("us-gov-west-1"),
            Partition::of("cn-north-1"),
        ] {
            let names: Vec<&str> = partition.regions.iter().map(|r| r.name).collect();
            let mut sorted = names.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(names, sorted, "{}", partition.name);
        }
        assert_eq!(Partition::of("eu-west-1").name, "aws");
        assert_eq!(
            Partition::of("us-east-1").sts_settings_url(),
            "https://console.aws.amazon.com/iam/home#/account_settings"
        );
    }
}
