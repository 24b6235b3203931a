//! Azure Storage account keys: a SharedKey-signed `List Containers` on
//! `{account}.blob.core.windows.net` (the account name must match `^[a-z0-9]{3,24}$`; the key
//! itself never leaves the process, only the HMAC signature does).

use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::Url;
use sha2::Sha256;

use super::http::{HttpRequest, HttpResponse, SafeClient};
use super::interp::sanitize;
use super::spec::{Method, Outcome};
use super::{Check, Inputs};

/// Storage REST API version sent and signed.
pub const API_VERSION: &str = "2021-08-06";
const QUERY: &str = "comp=list&maxresults=20";

fn account<'a>(inputs: &'a Inputs<'_>) -> Result<&'a str, String> {
    let a = inputs
        .parts
        .get("account")
        .ok_or("needs the AccountName found next to the key; none was")?;
    if a.len() < 3
        || a.len() > 24
        || !a
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Err("account name is not a valid storage account name; not sent".into());
    }
    Ok(a)
}

/// The URL the check would call, after the account-name check.
pub fn url_for(inputs: &Inputs<'_>) -> Result<String, String> {
    Ok(format!(
        "https://{}.blob.core.windows.net/?{QUERY}",
        account(inputs)?
    ))
}

/// RFC 1123 date as Azure wants it (`Sun, 11 Oct 2009 21:49:13 GMT`).
pub fn rfc1123(t: time::OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[t.weekday().number_days_from_monday() as usize],
        t.day(),
        MONTHS[u8::from(t.month()) as usize - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The SharedKey signature of a `GET` with no body, for `account`, `x-ms-date` and the
/// canonicalised query (sorted `name:value` lines).
pub fn shared_key(
    account: &str,
    key_b64: &str,
    date: &str,
    path: &str,
    query: &[(&str, &str)],
) -> Result<String, String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(key_b64)
        .map_err(|_| "the account key is not valid base64".to_string())?;
    let mut q: Vec<(String, &str)> = query
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), *v))
        .collect();
    q.sort();
    let mut resource = format!("/{account}{path}");
    for (k, v) in q {
        resource.push_str(&format!("\n{k}:{v}"));
    }
    // VERB, then 11 standard headers (all empty for this request), then x-ms-* headers.
    let to_sign = format!(
        "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{API_VERSION}\n{resource}"
    );
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    m.update(to_sign.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes());
    Ok(format!("SharedKey {account}:{sig}"))
}

/// Builds the signed request.
pub fn build_request(inputs: &Inputs<'_>, date: &str) -> Result<HttpRequest, String> {
    let acct = account(inputs)?;
    let auth = shared_key(
        acct,
        inputs.secret,
        date,
        "/",
        &[("comp", "list"), ("maxresults", "20")],
    )?;
    let url = Url::parse(&url_for(inputs)?).map_err(|e| e.to_string())?;
    Ok(HttpRequest {
        method: Method::Get,
        url,
        headers: vec![
            ("x-ms-date".into(), date.to_string()),
            ("x-ms-version".into(), API_VERSION.into()),
            ("Authorization".into(), auth),
        ],
        body: None,
    })
}

fn error_code(body: &str) -> String {
    let (open, close) = ("<Code>", "</Code>");
    body.find(open)
        .and_then(|s| {
            let s = s + open.len();
            body[s..].find(close).map(|e| body[s..s + e].to_string())
        })
        .unwrap_or_default()
}

/// Maps the storage answer.
pub fn map_response(resp: &HttpResponse, access_map: bool) -> Check {
    let body = String::from_utf8_lossy(&resp.body);
    let s = resp.status;
    let code = resp
        .header("x-ms-error-code")
        .map(str::to_string)
        .unwrap_or_else(|| error_code(&body));
    match s {
        200 if body.contains("<EnumerationResults") => {
            let mut c = Check::new(Outcome::Live, "List Containers succeeded");
            if access_map {
                let names: Vec<String> = body
                    .split("<Name>")
                    .skip(1)
                    .filter_map(|p| p.split("</Name>").next())
                    .map(|n| sanitize(n, 63))
                    .take(20)
                    .collect();
                c.identity.insert(
                    "containers".into(),
                    if names.is_empty() {
                        "(none)".into()
                    } else {
                        names.join(", ")
                    },
                );
                c.identity.insert(
                    "reach".into(),
                    "full data-plane control of the account".into(),
                );
            }
            c
        }
        200 => Check::unknown("HTTP 200 without a container list (unexpected body)"),
        300..=399 => Check::unknown(format!("HTTP {s} redirect not followed")),
        403 if code == "AuthenticationFailed" => Check::new(
            Outcome::Dead,
            "AuthenticationFailed: the key does not sign for this account",
        ),
        _ => Check::unknown(format!("HTTP {s} {} is not a verdict", sanitize(&code, 60))),
    }
}

/// Checks a storage account key.
pub async fn check(inputs: &Inputs<'_>, client: &SafeClient, access_map: bool) -> Check {
    let req = match build_request(inputs, &rfc1123(time::OffsetDateTime::now_utc())) {
        Ok(r) => r,
        Err(e) => return Check::unknown(e),
    };
    match client.send(&req).await {
        Ok(r) => map_response(&r, access_map),
        Err(e) => Check::unknown(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn rejects_bad_account_names_before_anything_is_built() {
        for bad in [
            "ab",
            "Acme",
            "acme.evil.example",
            "acme/..",
            "a".repeat(25).as_str(),
        ] {
            let mut parts = BTreeMap::new();
            parts.insert("account".to_string(), bad.to_string());
            let i = Inputs {
                secret: "AAAA",
                parts: &parts,
            };
            assert!(build_request(&i, "x").is_err(), "{bad}");
        }
    }

    #[test]
    fn shared_key_signature_is_stable() {
        // Key = base64 of 64 zero bytes; independently computed with openssl:
        // printf 'GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Sun, 11 Oct 2009 21:49:13 GMT\nx-ms-version:2021-08-06\n/acme/\ncomp:list\nmaxresults:20' \
        //   | openssl dgst -sha256 -mac HMAC -macopt hexkey:00…00 -binary | base64
        let key = base64::engine::general_purpose::STANDARD.encode([0u8; 64]);
        let a = shared_key(
            "acme",
            &key,
            "Sun, 11 Oct 2009 21:49:13 GMT",
            "/",
            &[("maxresults", "20"), ("comp", "list")],
        )
        .unwrap();
        assert!(a.starts_with("SharedKey acme:"));
        assert_eq!(a, expected_with_openssl(&key));
        let t = time::macros::datetime!(2009-10-11 21:49:13 UTC);
        assert_eq!(rfc1123(t), "Sun, 11 Oct 2009 21:49:13 GMT");
    }

    fn expected_with_openssl(key_b64: &str) -> String {
        let key = base64::engine::general_purpose::STANDARD
            .decode(key_b64)
            .unwrap();
        let msg = "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Sun, 11 Oct 2009 21:49:13 GMT\nx-ms-version:2021-08-06\n/acme/\ncomp:list\nmaxresults:20";
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m");
        std::fs::write(&p, msg).unwrap();
        let out = std::process::Command::new("openssl")
            .args(["dgst", "-sha256", "-mac", "HMAC", "-macopt"])
            .arg(format!("hexkey:{}", hex::encode(&key)))
            .arg("-binary")
            .arg(&p)
            .output()
            .expect("openssl runs");
        assert!(out.status.success());
        format!(
            "SharedKey acme:{}",
            base64::engine::general_purpose::STANDARD.encode(out.stdout)
        )
    }

    #[test]
    fn storage_answers_map_to_outcomes() {
        let r = |status: u16, body: &str| HttpResponse {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
            attempts: 1,
        };
        let live = map_response(
            &r(
                200,
                "<?xml version=\"1.0\"?><EnumerationResults><Containers><Container><Name>backups</Name></Container></Containers></EnumerationResults>",
            ),
            true,
        );
        assert_eq!(live.outcome, Outcome::Live);
        assert_eq!(live.identity["containers"], "backups");
        let dead = map_response(
            &r(403, "<Error><Code>AuthenticationFailed</Code></Error>"),
            false,
        );
        assert_eq!(dead.outcome, Outcome::Dead);
        assert_eq!(
            map_response(
                &r(403, "<Error><Code>AuthorizationFailure</Code></Error>"),
                false
            )
            .outcome,
            Outcome::Unknown
        );
        assert_eq!(map_response(&r(200, "{}"), false).outcome, Outcome::Unknown);
        assert_eq!(map_response(&r(503, ""), false).outcome, Outcome::Unknown);
    }
}
