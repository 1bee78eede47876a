//! `leverage project info`: the project as leverage sees it from the current directory.

use super::{Location, Project};

impl Project {
    /// Root, names, regions, MFA, location and accounts, one per line.
    pub fn summary(&self) -> String {
        let unset = |value: &Option<String>| value.clone().unwrap_or_else(|| "(not set)".into());
        let location = match &self.location {
            Location::Layer { layer, .. } | Location::LayersGroup { group: layer, .. } => {
                format!("{} ({})", self.location.describe(), layer.display())
            }
            Location::Account { account } => format!("account ({account})"),
            other => other.describe().to_string(),
        };
        let mut text = format!(
            "root:             {}\n\
             short name:       {}\n\
             project name:     {}\n\
             primary region:   {}\n\
             secondary region: {}\n\
             MFA enabled:      {}\n\
             SSO enabled:      {}\n\
             location:         {location}\n\
             accounts:\n",
            self.root.display(),
            self.short_name,
            unset(&self.long_name),
            unset(&self.primary_region),
            unset(&self.secondary_region),
            self.mfa_enabled(),
            crate::sso::enabled(self),
        );
        for account in &self.accounts {
            let email = account.email.as_deref().unwrap_or("-");
            let id = account.id.as_deref().unwrap_or("(no id yet)");
            text.push_str(&format!("  {:<16} {id:<14} {email}\n", account.name));
        }
        text
    }
}
