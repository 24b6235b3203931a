//! `leakhound rules list --revocable`: the rules whose leaked secrets `leakhound revoke` can
//! revoke, with the request each one sends and the host it goes to.

use std::collections::{BTreeSet, HashMap};

use anyhow::Result;
use serde::Serialize;

use crate::cli::{EXIT_CLEAN, ListFormat, write_output};
use crate::rules::Rule;

/// One revocable rule.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    /// Rule id.
    pub id: String,
    /// Provider.
    pub provider: String,
    /// `DELETE`, `POST`, or the code scheme.
    pub method: String,
    /// Host that receives the revocation.
    pub host: String,
    /// Whether the credential is identified by a lookup first.
    pub lookup: bool,
    /// The permission the provider documents, if the call needs one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<String>,
}

/// Every rule with a revocation block.
pub fn revocable(rules: &[Rule]) -> Vec<Listed> {
    rules
        .iter()
        .filter_map(|r| {
            let v = r.revocation.as_ref()?;
            Some(Listed {
                id: r.id.clone(),
                provider: r.provider.clone(),
                method: v.method_name().to_string(),
                host: v.host().unwrap_or_default(),
                lookup: v.lookup.is_some(),
                needs: v.needs.clone(),
            })
        })
        .collect()
}

/// Rule id → `METHOD host` of its revocation, for remediation plans.
pub fn by_rule(rules: &[Rule]) -> HashMap<String, String> {
    revocable(rules)
        .into_iter()
        .map(|l| (l.id, format!("{} {}", l.method, l.host)))
        .collect()
}

/// Prints the listing and the provider count.
pub fn run(rules: &[Rule], format: ListFormat) -> Result<i32> {
    let list = revocable(rules);
    write_output(None, |w| {
        match format {
            ListFormat::Json => {
                serde_json::to_writer_pretty(&mut *w, &list)?;
                writeln!(w)?;
            }
            ListFormat::Text => {
                for l in &list {
                    writeln!(
                        w,
                        "{:<40} {:<14} {:<8} {}{}{}",
                        l.id,
                        l.provider,
                        l.method,
                        l.host,
                        if l.lookup { "  [lookup]" } else { "" },
                        l.needs
                            .as_deref()
                            .map(|n| format!("  needs {n}"))
                            .unwrap_or_default()
                    )?;
                }
                let providers: BTreeSet<&str> = list.iter().map(|l| l.provider.as_str()).collect();
                writeln!(
                    w,
                    "{} revocable rules across {} providers",
                    list.len(),
                    providers.len()
                )?;
            }
        }
        Ok(())
    })?;
    Ok(EXIT_CLEAN)
}
