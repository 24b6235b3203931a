//! `leakhound rules check`: proves every rule's examples and negative examples against the
//! compiled engine, and explains why an example failed.

use crate::engine::{Engine, filters};
use crate::finding::redact;
use crate::rules::template::{self, Rng};

/// One failed check.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Rule id.
    pub rule: String,
    /// What went wrong (never a full generated token).
    pub problem: String,
}

/// Outcome of checking the catalogue.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Rules checked.
    pub rules: usize,
    /// Examples and negative examples run.
    pub examples: usize,
    /// Failures.
    pub failures: Vec<Failure>,
    /// Non-fatal remarks (e.g. unbounded patterns).
    pub notes: Vec<String>,
}

/// Expands example `i` of a rule (positive or negative) deterministically.
pub fn expand_example(
    rule_id: &str,
    negative: bool,
    i: usize,
    text: &str,
) -> anyhow::Result<String> {
    let mut rng = Rng::from_seed(&format!(
        "{rule_id}#{}#{i}",
        if negative { "neg" } else { "pos" }
    ));
    template::expand(text, &mut rng)
}

/// Runs every example of every rule through `engine`.
pub fn check(engine: &Engine) -> CheckReport {
    let mut rep = CheckReport::default();
    for (ri, cr) in engine.rules().iter().enumerate() {
        rep.rules += 1;
        let id = &cr.rule.id;
        let mut fail = |problem: String| {
            rep.failures.push(Failure {
                rule: id.clone(),
                problem,
            })
        };
        if let Err(e) = cr.compile() {
            fail(format!("{e:#}"));
        }
        if cr.rule.examples.is_empty() {
            fail("no examples".into());
        }
        if cr.rule.negative_examples.is_empty() {
            fail("no negative_examples".into());
        }
        if cr.max_len.is_none() && !cr.single_line {
            rep.notes.push(format!(
                "{id}: pattern has no bounded length; it scans whole buffers"
            ));
        }
        for (i, ex) in cr.rule.examples.iter().enumerate() {
            rep.examples += 1;
            let text = match expand_example(id, false, i, ex) {
                Ok(t) => t,
                Err(e) => {
                    fail(format!("example {}: {e}", i + 1));
                    continue;
                }
            };
            if !engine.scan(text.as_bytes()).iter().any(|m| m.rule == ri) {
                fail(format!(
                    "example {} does not match: {}",
                    i + 1,
                    explain(engine, ri, &text)
                ));
            }
        }
        for (i, ex) in cr.rule.negative_examples.iter().enumerate() {
            rep.examples += 1;
            let text = match expand_example(id, true, i, ex) {
                Ok(t) => t,
                Err(e) => {
                    fail(format!("negative example {}: {e}", i + 1));
                    continue;
                }
            };
            if let Some(m) = engine.scan(text.as_bytes()).iter().find(|m| m.rule == ri) {
                fail(format!(
                    "negative example {} matches (secret {})",
                    i + 1,
                    redact(&m.secret)
                ));
            }
        }
    }
    rep
}

/// Whether keyword `k` of `rule` occurs in `text`, in the case the rule asks for.
fn keyword_in(rule: &crate::rules::Rule, k: &str, text: &str) -> bool {
    if rule.keywords_exact_case {
        text.contains(k)
    } else {
        text.to_ascii_lowercase().contains(&k.to_ascii_lowercase())
    }
}

/// Why rule `ri` finds nothing in `text`.
pub fn explain(engine: &Engine, ri: usize, text: &str) -> String {
    let cr = &engine.rules()[ri];
    if !cr
        .rule
        .keywords
        .iter()
        .any(|k| keyword_in(&cr.rule, k, text))
    {
        return "no keyword occurs in the text".into();
    }
    let re = match regex::bytes::RegexBuilder::new(&cr.rule.pattern)
        .unicode(false)
        .build()
    {
        Ok(r) => r,
        Err(e) => return format!("pattern does not compile: {e}"),
    };
    let Some(caps) = re.captures(text.as_bytes()) else {
        return "the pattern does not match".into();
    };
    let Some(secret) = caps.name("secret") else {
        return "the secret group did not participate".into();
    };
    let whole = caps.get(0).map(|m| m.as_bytes()).unwrap_or_default();
    let whole = String::from_utf8_lossy(whole);
    if !cr
        .rule
        .keywords
        .iter()
        .any(|k| keyword_in(&cr.rule, k, &whole))
    {
        return "the match contains none of the keywords (every match must)".into();
    }
    let s = secret.as_bytes();
    if let Some(r) = filters::placeholder(s) {
        return format!("the secret was dropped as {r:?}");
    }
    if let Some(min) = cr.rule.min_entropy {
        let e = filters::shannon_entropy(s);
        if e < min {
            return format!("entropy {e:.2} is below min_entropy {min}");
        }
    }
    if let Some(c) = &cr.rule.checksum
        && crate::engine::checksum::verify(c, &String::from_utf8_lossy(s)) == Some(false)
    {
        return format!("checksum {c} does not verify");
    }
    if !cr.rule.allow.is_empty() {
        return "an allow pattern may have dropped it, or a required pair is missing".into();
    }
    "a required pair is missing".into()
}
