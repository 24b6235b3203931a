//! `leakhound rules list --validated`: the rules with a live validator, the host each one calls,
//! and which of them reveal identity and reach (the access map).

use std::collections::BTreeSet;

use anyhow::Result;
use serde::Serialize;

use crate::cli::{EXIT_CLEAN, ListFormat, write_output};
use crate::rules::Rule;

/// One listed validator.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    /// Rule id.
    pub id: String,
    /// Provider.
    pub provider: String,
    /// `GET`, `POST`, or the code scheme.
    pub method: String,
    /// Host that receives the secret (or its signature).
    pub host: String,
    /// Whether identity/reach is reported with `--access-map`.
    pub access_map: bool,
    /// Whether `leakhound revoke` can revoke its secrets.
    pub revocable: bool,
}

/// Every rule with an active validator (rules marked `skip` are not listed).
pub fn validated(rules: &[Rule]) -> Vec<Listed> {
    rules
        .iter()
        .filter_map(|r| {
            let v = r.validation.as_ref()?;
            if !v.is_active() {
                return None;
            }
            let method = match v.scheme {
                Some(s) => s.as_str().to_string(),
                None => v.method.as_str().to_string(),
            };
            Some(Listed {
                id: r.id.clone(),
                provider: r.provider.clone(),
                method,
                host: v.host().unwrap_or_default(),
                access_map: v.maps_access(),
                revocable: r.revocation.is_some(),
            })
        })
        .collect()
}

/// Prints the listing and the provider counts.
pub fn run(rules: &[Rule], format: ListFormat) -> Result<i32> {
    let list = validated(rules);
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
                        "{:<44} {:<18} {:<20} {}{}{}",
                        l.id,
                        truncate(&l.provider, 18),
                        l.method,
                        l.host,
                        if l.access_map { "  [access map]" } else { "" },
                        if l.revocable { "  [revocable]" } else { "" }
                    )?;
                }
                let providers: BTreeSet<&str> = list.iter().map(|l| l.provider.as_str()).collect();
                let mapped: BTreeSet<&str> = list
                    .iter()
                    .filter(|l| l.access_map)
                    .map(|l| l.provider.as_str())
                    .collect();
                writeln!(
                    w,
                    "{} validated rules; {} providers validated, {} with an access map",
                    list.len(),
                    providers.len(),
                    mapped.len()
                )?;
            }
        }
        Ok(())
    })?;
    Ok(EXIT_CLEAN)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(std::iter::once('…')).collect()
    }
}
