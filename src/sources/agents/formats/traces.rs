//! Trace exports: OpenTelemetry OTLP/JSON (GenAI conventions), OpenAI Agents SDK, LangSmith and
//! Langfuse.

use crate::sources::agents::attrib::{
    Attribution, Record, Tracker, index_at, normalize_time, starts_with,
};
use crate::sources::agents::json::Kind;

/// OTLP/JSON `ExportTraceServiceRequest` lines (collector `file` exporter).
pub struct Otel;

impl Tracker for Otel {
    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution {
        let mut a = Attribution::default();
        // resourceSpans/i/scopeSpans/j/spans/k/…
        if !starts_with(
            path,
            &["resourceSpans", "*", "scopeSpans", "*", "spans", "*"],
        ) {
            return a;
        }
        let span = rec.node(&path[..6].iter().map(String::as_str).collect::<Vec<_>>());
        let Some(span) = span else {
            return a;
        };
        a.session = rec.str_at(span, &["traceId"]);
        a.message_id = rec.str_at(span, &["spanId"]);
        a.timestamp = rec.str_at(span, &["startTimeUnixNano"]).map(|t| {
            normalize_time(
                &t.parse::<u128>()
                    .map_or(t.clone(), |n| (n / 1_000_000).to_string()),
            )
        });
        let attr = |key: &str| -> Option<String> {
            let attrs = rec.doc.child(rec.raw, span, "attributes")?;
            rec.doc.children(attrs).find_map(|kv| {
                (rec.str_at(kv, &["key"]).as_deref() == Some(key))
                    .then(|| rec.str_at(kv, &["value", "stringValue"]))
                    .flatten()
            })
        };
        a.tool = attr("gen_ai.tool.name");
        a.tool_call_id = attr("gen_ai.tool.call.id");
        // The attribute (or event attribute) holding the leaf.
        let rest = &path[6..];
        let kv = match rest {
            [a0, i, ..] if a0 == "attributes" => rec.doc.get(rec.raw, span, &["attributes", i]),
            [e0, e, a0, i, ..] if e0 == "events" && a0 == "attributes" => {
                rec.doc.get(rec.raw, span, &["events", e, "attributes", i])
            }
            _ => None,
        };
        let key = kv.and_then(|n| rec.str_at(n, &["key"]));
        if let Some(k) = &key {
            a.role = if k.contains("input") || k.contains("prompt") || k.contains("user") {
                Some("user".into())
            } else if k.contains("tool.call.arguments") {
                Some("assistant".into())
            } else if k.contains("tool.call.result") || k.contains("tool.message") {
                Some("tool".into())
            } else if k.contains("output") || k.contains("completion") || k.contains("choice") {
                Some("assistant".into())
            } else if k.contains("system") {
                Some("system".into())
            } else {
                None
            };
        }
        a.field = key;
        a
    }
}

/// OpenAI Agents SDK `trace` / `trace.span` objects.
pub struct AgentsSdk;

impl Tracker for AgentsSdk {
    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution {
        // Exports may be one object per line or a `{"data":[…]}` batch.
        let (base, rel) = if starts_with(path, &["data"]) && path.len() > 1 {
            (rec.node(&["data", &path[1]]), &path[2..])
        } else {
            (Some(0), path)
        };
        let Some(b) = base else {
            return Attribution::default();
        };
        let mut a = Attribution {
            session: rec
                .str_at(b, &["trace_id"])
                .or_else(|| rec.str_at(b, &["id"])),
            message_id: rec.str_at(b, &["id"]),
            timestamp: rec.str_at(b, &["started_at"]),
            ..Default::default()
        };
        let kind = rec.str_at(b, &["span_data", "type"]);
        if kind.as_deref() == Some("function") {
            a.tool = rec.str_at(b, &["span_data", "name"]);
            match rel.get(1).map(String::as_str) {
                Some("input") => {
                    a.role = Some("assistant".into());
                    a.field = Some("tool_input".into());
                }
                Some("output") => {
                    a.role = Some("tool".into());
                    a.field = Some("tool_result".into());
                }
                _ => {}
            }
        } else if let Some(k) = kind {
            a.field = Some(format!("{k}_{}", rel.get(1).cloned().unwrap_or_default()));
            if k == "generation" {
                a.role = match rel.get(1).map(String::as_str) {
                    Some("input") => Some("user".into()),
                    Some("output") => Some("assistant".into()),
                    _ => None,
                };
            }
        }
        a
    }
}

/// LangSmith run exports.
pub struct LangSmith;

impl Tracker for LangSmith {
    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution {
        let mut a = Attribution {
            session: rec.str(&["trace_id"]),
            message_id: rec.str(&["id"]),
            timestamp: rec.str(&["start_time"]),
            field: path.first().cloned(),
            ..Default::default()
        };
        let tool_run = rec.str(&["run_type"]).as_deref() == Some("tool");
        if tool_run {
            a.tool = rec.str(&["name"]);
        }
        a.role = match path.first().map(String::as_str) {
            Some("inputs") if tool_run => Some("assistant".into()),
            Some("inputs") => Some("user".into()),
            Some("outputs") if tool_run => Some("tool".into()),
            Some("outputs" | "events") => Some("assistant".into()),
            _ => None,
        };
        a
    }

    fn fragments(&self, rec: &Record<'_>) -> Vec<(String, usize)> {
        // `events[].kwargs.token` of `new_token` events: one streamed token each.
        let Some(ev) = rec.node(&["events"]) else {
            return Vec::new();
        };
        let key = rec
            .str(&["id"])
            .unwrap_or_else(|| format!("run{}", rec.index));
        rec.doc
            .children(ev)
            .filter_map(|e| rec.doc.get(rec.raw, e, &["kwargs", "token"]))
            .filter(|&n| matches!(rec.doc.nodes[n].kind, Kind::String { .. }))
            .map(|n| (key.clone(), n))
            .collect()
    }
}

/// Langfuse trace / observation exports (single objects, arrays or `{trace, observations}`).
pub struct Langfuse;

impl Tracker for Langfuse {
    fn attribute(&self, rec: &Record<'_>, path: &[String]) -> Attribution {
        // Find the innermost object that looks like an observation or trace.
        let mut node = 0;
        let mut rel = path;
        for (i, seg) in path.iter().enumerate() {
            let Some(n) = rec.doc.get(rec.raw, node, &[seg]) else {
                break;
            };
            if matches!(rec.doc.nodes[n].kind, Kind::Object)
                && (rec.doc.child(rec.raw, n, "traceId").is_some()
                    || rec.doc.child(rec.raw, n, "input").is_some())
            {
                node = n;
                rel = &path[i + 1..];
            } else if index_at(path, i).is_none() && i > 0 {
                break;
            }
        }
        let mut a = Attribution {
            session: rec
                .str_at(node, &["sessionId"])
                .or_else(|| rec.str_at(node, &["traceId"]))
                .or_else(|| rec.str_at(node, &["id"])),
            message_id: rec.str_at(node, &["id"]),
            timestamp: rec
                .str_at(node, &["startTime"])
                .or_else(|| rec.str_at(node, &["timestamp"])),
            field: rel.first().cloned(),
            ..Default::default()
        };
        let ty = rec.str_at(node, &["type"]);
        if ty.as_deref() == Some("TOOL") {
            a.tool = rec.str_at(node, &["name"]);
        }
        a.role = match rel.first().map(String::as_str) {
            Some("input") => Some("user".into()),
            Some("output") => Some("assistant".into()),
            _ => None,
        };
        a
    }
}
