//! `leakhound remediate`: a remediation plan from a JSON report. One item per secret
//! (fingerprint), live ones first, with the rule's rotation steps, every place it leaked, and
//! advice for each kind of source (git history, images, agent transcripts, files).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crate::finding::{Finding, Severity};

/// One secret to deal with.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    /// The first finding of this secret (rule, remediation, validation).
    pub first: &'a Finding,
    /// Every finding of this secret.
    pub places: Vec<&'a Finding>,
}

fn rank(f: &Finding) -> (u8, std::cmp::Reverse<Severity>) {
    let live = match f.validation.as_ref().map(|v| v.status.as_str()) {
        Some("live") | Some("live_restricted") => 0,
        None | Some("unknown") => 1,
        _ => 2,
    };
    (live, std::cmp::Reverse(f.severity))
}

/// Groups findings by fingerprint and orders them: live first, then by severity.
pub fn plan(findings: &[Finding]) -> Vec<Item<'_>> {
    let mut by_fp: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_fp.entry(f.fingerprint.as_str()).or_default().push(f);
    }
    let mut items: Vec<Item> = by_fp
        .into_values()
        .filter_map(|places| places.first().copied().map(|first| Item { first, places }))
        .collect();
    items.sort_by(|a, b| {
        rank(a.first)
            .cmp(&rank(b.first))
            .then(a.first.rule_id.cmp(&b.first.rule_id))
    });
    items
}

/// The kind of source (`file`, `git`, `image…`, `transcript…`) of a finding.
fn kind(f: &Finding) -> String {
    serde_json::to_value(&f.source)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(String::from))
        .unwrap_or_else(|| "file".into())
}

/// Source-specific advice for the kinds of places a secret leaked to.
pub fn source_advice(item: &Item) -> Vec<&'static str> {
    let mut kinds: Vec<String> = item.places.iter().map(|f| kind(f)).collect();
    kinds.sort();
    kinds.dedup();
    let mut out = Vec::new();
    for k in kinds {
        let advice = if k.contains("git") {
            "Git history: rotate first — anyone with a clone already has the secret. Then purge \
             it from every branch and tag with `git filter-repo --replace-text` (or BFG), \
             force-push, ask collaborators to re-clone, and ask your host (e.g. GitHub Support) \
             to drop cached views and pull-request refs."
        } else if k.contains("image") || k.contains("layer") || k.contains("config") {
            "Container image: rebuild without the secret (no ENV/ARG/LABEL carrying it; use \
             build secrets such as `RUN --mount=type=secret` and runtime injection), push the \
             new image, and delete the old tags and digests from every registry — deleting a \
             file in a later layer does not remove it from the image."
        } else if k.contains("transcript") || k.contains("agent") {
            "Agent transcripts: run `leakhound redact` on the transcript files (synced and \
             shared copies too), and keep secrets out of agent context by giving the agent a \
             broker or short-lived scoped tokens instead of raw keys."
        } else {
            "Files: remove the secret from the file and load it from a secret manager or the \
             environment at run time; check backups and copies of the file."
        };
        if !out.contains(&advice) {
            out.push(advice);
        }
    }
    out
}

/// Which rules `leakhound revoke` can revoke, for the per-item revocation line.
#[derive(Debug, Clone, Default)]
pub struct RevokeHint {
    /// Rule id → `METHOD host` of its revocation.
    pub by_rule: HashMap<String, String>,
    /// The report path, for the suggested command.
    pub report: String,
}

impl RevokeHint {
    /// One line saying whether and how `leakhound revoke` can revoke this secret.
    pub fn line(&self, f: &Finding) -> String {
        match self.by_rule.get(&f.rule_id) {
            Some(how) => format!(
                "leakhound can revoke it ({how}): `leakhound revoke --from {} --fingerprint {}` (add --dry-run first to see the requests)",
                shell_word(&self.report),
                f.fingerprint
            ),
            None => format!(
                "leakhound cannot revoke {} secrets; follow the rotation steps by hand",
                f.rule_id
            ),
        }
    }
}

fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/+:@".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn status(f: &Finding) -> String {
    match &f.validation {
        Some(v) if v.reason.is_empty() => v.status.clone(),
        Some(v) => format!("{} ({})", v.status, v.reason),
        None => "not validated".into(),
    }
}

/// The plan as plain text.
pub fn render_text(items: &[Item], revoke: &RevokeHint) -> String {
    let mut s = String::new();
    if items.is_empty() {
        s.push_str("Nothing to remediate.\n");
        return s;
    }
    for (i, it) in items.iter().enumerate() {
        let f = it.first;
        let _ = writeln!(
            s,
            "{}. [{}] {} ({}) {} — fingerprint {}, {}",
            i + 1,
            f.severity.as_str().to_uppercase(),
            f.rule_name,
            f.rule_id,
            f.secret.redacted(),
            f.fingerprint,
            status(f)
        );
        let _ = writeln!(s, "   Revoke: {}", revoke.line(f));
        let _ = writeln!(s, "   Rotate:");
        for l in f.remediation.lines() {
            let _ = writeln!(s, "     {l}");
        }
        let _ = writeln!(s, "   Leaked at ({}):", it.places.len());
        for p in &it.places {
            let _ = writeln!(
                s,
                "     - {}:{} ({})",
                p.location.path,
                p.location.line,
                p.source.describe()
            );
        }
        for a in source_advice(it) {
            let _ = writeln!(s, "   Then: {a}");
        }
        s.push('\n');
    }
    s
}

/// The plan as Markdown, for pasting into a ticket.
pub fn render_markdown(items: &[Item], revoke: &RevokeHint) -> String {
    let mut s = String::from("# Secret remediation plan\n\n");
    if items.is_empty() {
        s.push_str("Nothing to remediate.\n");
        return s;
    }
    for (i, it) in items.iter().enumerate() {
        let f = it.first;
        let _ = writeln!(
            s,
            "## {}. {} (`{}`) — {}\n\n- Secret: `{}` (fingerprint `{}`)\n- Severity: {}\n- Status: {}\n",
            i + 1,
            f.rule_name,
            f.rule_id,
            f.provider,
            f.secret.redacted(),
            f.fingerprint,
            f.severity.as_str(),
            status(f)
        );
        let _ = writeln!(s, "### Revoke\n\n{}\n", revoke.line(f));
        let _ = writeln!(s, "### Rotate\n\n{}\n", f.remediation.trim());
        let _ = writeln!(s, "### Where it leaked\n");
        for p in &it.places {
            let _ = writeln!(
                s,
                "- [ ] `{}:{}` — {}",
                p.location.path,
                p.location.line,
                p.source.describe()
            );
        }
        s.push('\n');
        let advice = source_advice(it);
        if !advice.is_empty() {
            let _ = writeln!(s, "### Clean up\n");
            for a in advice {
                let _ = writeln!(s, "- [ ] {a}");
            }
            s.push('\n');
        }
    }
    s
}
