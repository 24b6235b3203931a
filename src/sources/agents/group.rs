//! Grouping: the same secret seen in many records, files and sessions becomes one finding with
//! an occurrence count, first/last seen times and a few other places it was seen.

use std::collections::HashMap;

use crate::finding::{Finding, Source};

/// Other locations listed per grouped finding.
const ALSO_SEEN: usize = 10;

/// Groups agent findings by rule and fingerprint; other findings pass through.
pub fn group(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut groups: HashMap<(String, String), Vec<Finding>> = HashMap::new();
    for f in findings {
        if matches!(f.source, Source::Agent(_)) {
            groups
                .entry((f.rule_id.clone(), f.fingerprint.clone()))
                .or_default()
                .push(f);
        } else {
            out.push(f);
        }
    }
    for (_, mut g) in groups {
        let time = |f: &Finding| match &f.source {
            Source::Agent(a) => a.timestamp.clone(),
            _ => None,
        };
        // Earliest dated occurrence first, then undated ones in location order.
        g.sort_by(|a, b| {
            let (ta, tb) = (time(a), time(b));
            match (ta, tb) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
            .then_with(|| a.report_order(b))
        });
        let times: Vec<String> = g.iter().filter_map(time).collect();
        let n = g.len() as u64;
        let mut also: Vec<String> = Vec::new();
        for f in g.iter().skip(1) {
            let loc = format!("{}:{}", f.location.path, f.location.line);
            if !also.contains(&loc) && also.len() < ALSO_SEEN {
                also.push(loc);
            }
        }
        let mut rep = g.swap_remove(0);
        if let Source::Agent(a) = &mut rep.source {
            a.occurrences = n;
            a.first_seen = times.iter().min().cloned();
            a.last_seen = times.iter().max().cloned();
            let here = format!("{}:{}", rep.location.path, rep.location.line);
            also.retain(|l| *l != here);
            a.also_seen = also;
        }
        out.push(rep);
    }
    out.sort_by(|a, b| a.report_order(b));
    out
}
