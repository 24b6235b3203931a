//! AWS access keys: a SigV4-signed `sts:GetCallerIdentity` (needs no IAM permission, works even
//! under an explicit deny, so a locked-down key is never called dead) plus the account id that
//! is derivable offline from the key id.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use reqwest::Url;
use sha2::{Digest, Sha256};

use super::http::{HttpRequest, HttpResponse, SafeClient};
use super::interp::sanitize;
use super::spec::{Method, Outcome};
use super::{Check, Inputs};

/// The global STS endpoint (signed for `us-east-1`).
pub const STS_HOST: &str = "sts.amazonaws.com";
const BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

/// The URL the check posts to (before overrides).
pub fn endpoint_url() -> String {
    format!("https://{STS_HOST}/")
}

/// Credentials and scope of one SigV4 signature.
#[derive(Debug, Clone, Copy)]
pub struct SigV4<'a> {
    /// Access key id.
    pub key_id: &'a str,
    /// Secret access key.
    pub secret: &'a str,
    /// Region, e.g. `us-east-1`.
    pub region: &'a str,
    /// Service, e.g. `sts`.
    pub service: &'a str,
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

impl SigV4<'_> {
    /// The `Authorization` header for a request. `headers` must include every header to sign
    /// (`host` and `x-amz-date` at least); `query` is the canonical (sorted, encoded) query.
    pub fn authorization(
        &self,
        method: &str,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        payload: &[u8],
        amz_date: &str,
    ) -> String {
        let mut hs: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| {
                (
                    k.to_ascii_lowercase(),
                    v.split_whitespace().collect::<Vec<_>>().join(" "),
                )
            })
            .collect();
        hs.sort();
        let canonical_headers: String = hs.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
        let signed: Vec<&str> = hs.iter().map(|(k, _)| k.as_str()).collect();
        let signed = signed.join(";");
        let creq = format!(
            "{method}\n{path}\n{query}\n{canonical_headers}\n{signed}\n{}",
            sha256_hex(payload)
        );
        let date = &amz_date[..8.min(amz_date.len())];
        let scope = format!("{date}/{}/{}/aws4_request", self.region, self.service);
        let sts = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            sha256_hex(creq.as_bytes())
        );
        let k_date = hmac(format!("AWS4{}", self.secret).as_bytes(), date.as_bytes());
        let k_region = hmac(&k_date, self.region.as_bytes());
        let k_service = hmac(&k_region, self.service.as_bytes());
        let k_signing = hmac(&k_service, b"aws4_request");
        let sig = hex::encode(hmac(&k_signing, sts.as_bytes()));
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={sig}",
            self.key_id
        )
    }
}

/// The 12-digit account id encoded in a modern `AKIA`/`ASIA` key id (no request needed).
pub fn account_from_key_id(key_id: &str) -> Option<String> {
    let b = key_id.as_bytes();
    if b.len() != 20 || !(key_id.starts_with("AKIA") || key_id.starts_with("ASIA")) {
        return None;
    }
    // Old-style ids (5th character I or J) do not carry the account.
    if matches!(b[4], b'I' | b'J') {
        return None;
    }
    let mut bits: u128 = 0;
    for &c in &b[4..] {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        bits = (bits << 5) | u128::from(v);
    }
    // 16 chars × 5 bits = 80 bits; the first 6 bytes hold the account.
    let first48 = (bits >> 32) as u64;
    let account = (first48 & 0x7fff_ffff_ff80) >> 7;
    Some(format!("{account:012}"))
}

/// The current time in SigV4's `X-Amz-Date` form.
pub(crate) fn amz_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// Builds the signed STS request.
pub fn build_request(
    key_id: &str,
    secret: &str,
    session_token: Option<&str>,
    amz_date: &str,
) -> HttpRequest {
    let ct = "application/x-www-form-urlencoded; charset=utf-8";
    let mut to_sign: Vec<(&str, &str)> = vec![
        ("content-type", ct),
        ("host", STS_HOST),
        ("x-amz-date", amz_date),
    ];
    if let Some(t) = session_token {
        to_sign.push(("x-amz-security-token", t));
    }
    let signer = SigV4 {
        key_id,
        secret,
        region: "us-east-1",
        service: "sts",
    };
    let auth = signer.authorization("POST", "/", "", &to_sign, BODY.as_bytes(), amz_date);
    let mut headers = vec![
        ("Content-Type".to_string(), ct.to_string()),
        ("Accept".to_string(), "application/json".to_string()),
        ("X-Amz-Date".to_string(), amz_date.to_string()),
    ];
    if let Some(t) = session_token {
        headers.push(("X-Amz-Security-Token".to_string(), t.to_string()));
    }
    headers.push(("Authorization".to_string(), auth));
    HttpRequest {
        method: Method::Post,
        url: Url::parse(&endpoint_url()).unwrap_or_else(|_| unreachable!("constant URL")),
        headers,
        body: Some(BODY.as_bytes().to_vec()),
    }
}

/// Pulls `field` out of an AWS answer in JSON (`"Field":"v"`) or XML (`<Field>v</Field>`).
pub(crate) fn field(body: &str, name: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        fn walk(v: &serde_json::Value, name: &str) -> Option<String> {
            match v {
                serde_json::Value::Object(o) => {
                    if let Some(s) = o.get(name).and_then(|x| x.as_str()) {
                        return Some(s.to_string());
                    }
                    o.values().find_map(|c| walk(c, name))
                }
                _ => None,
            }
        }
        return walk(&v, name);
    }
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&close)? + start;
    Some(body[start..end].trim().to_string())
}

/// Maps an STS answer.
pub fn map_response(resp: &HttpResponse, access_map: bool) -> Check {
    let body = String::from_utf8_lossy(&resp.body);
    let s = resp.status;
    if (300..400).contains(&s) {
        return Check::unknown(format!("HTTP {s} redirect not followed"));
    }
    if s == 200 {
        let (Some(account), Some(arn)) = (field(&body, "Account"), field(&body, "Arn")) else {
            return Check::unknown("HTTP 200 without Account/Arn (unexpected body)");
        };
        let mut c = Check::new(Outcome::Live, "sts:GetCallerIdentity succeeded");
        if access_map {
            c.identity.insert("account".into(), sanitize(&account, 20));
            c.identity.insert("arn".into(), sanitize(&arn, 200));
            if let Some(u) = field(&body, "UserId") {
                c.identity.insert("user_id".into(), sanitize(&u, 100));
            }
            if arn.ends_with(":root") {
                c.identity
                    .insert("note".into(), "root account key: full control".into());
            }
        }
        return c;
    }
    let code = field(&body, "Code").unwrap_or_default();
    match (s, code.as_str()) {
        (403 | 400, "InvalidClientTokenId") => Check::new(
            Outcome::Dead,
            "InvalidClientTokenId: the key id is unknown, deleted or inactive",
        ),
        (403 | 400, "SignatureDoesNotMatch") => {
            let mut c = Check::new(
                Outcome::Dead,
                "SignatureDoesNotMatch: the key id exists but this secret is wrong",
            );
            // The key id itself is real and active: not dead.
            c.part = Some((
                Outcome::Unknown,
                "the key id exists and is active; the secret found next to it is not its secret"
                    .into(),
            ));
            c
        }
        (403 | 400, "ExpiredToken") => {
            Check::new(Outcome::Dead, "ExpiredToken: the session has expired")
        }
        (429, _) | (500..=599, _) => Check::unknown(format!(
            "HTTP {s} {} after {} attempt(s)",
            sanitize(&code, 60),
            resp.attempts
        )),
        _ => Check::unknown(format!("HTTP {s} {} is not a verdict", sanitize(&code, 60))),
    }
}

/// Checks an AWS key pair; the secret never leaves the process (only the signature does).
pub async fn check(inputs: &Inputs<'_>, client: &SafeClient, access_map: bool) -> Check {
    let Some(key_id) = inputs.parts.get("key_id") else {
        return Check::unknown("needs the access key id found next to the secret; none was");
    };
    let token = inputs.parts.get("session_token").map(String::as_str);
    if key_id.starts_with("ASIA") && token.is_none() {
        return Check::unknown("temporary (ASIA) key: needs its session token; none was found");
    }
    let mut last = Check::unknown("not sent");
    // STS can answer SignatureDoesNotMatch spuriously when several secrets are tried for one
    // key id in quick succession: one retry after a pause.
    for attempt in 0..2 {
        let req = build_request(key_id, inputs.secret, token, &amz_now());
        let resp = match client.send(&req).await {
            Ok(r) => r,
            Err(e) => return Check::unknown(e.to_string()),
        };
        last = map_response(&resp, access_map);
        if last.reason.starts_with("SignatureDoesNotMatch") && attempt == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            continue;
        }
        break;
    }
    if access_map
        && last.outcome.is_live()
        && !last.identity.contains_key("account")
        && let Some(a) = account_from_key_id(key_id)
    {
        last.identity.insert("account".into(), a);
    }
    last
}

/// Identity known without any request (for dry runs and grouping).
pub fn offline_identity(parts: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    if let Some(a) = parts.get("key_id").and_then(|k| account_from_key_id(k)) {
        m.insert("account".into(), a);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUITE: SigV4<'static> = SigV4 {
        key_id: "AKIDEXAMPLE",
        secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        region: "us-east-1",
        service: "service",
    };
    const DATE: &str = "20150830T123600Z";
    const HOST: (&str, &str) = ("Host", "example.amazonaws.com");

    fn sig(a: &str) -> &str {
        a.rsplit("Signature=").next().unwrap()
    }

    #[test]
    fn signer_matches_the_aws_test_suite() {
        // Vectors of the AWS Signature Version 4 test suite.
        let a = SUITE.authorization("GET", "/", "", &[HOST, ("X-Amz-Date", DATE)], b"", DATE);
        assert_eq!(
            a,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        let a = SUITE.authorization("POST", "/", "", &[HOST, ("X-Amz-Date", DATE)], b"", DATE);
        assert_eq!(
            sig(&a),
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        );
        let a = SUITE.authorization(
            "POST",
            "/",
            "Param1=value1",
            &[HOST, ("X-Amz-Date", DATE)],
            b"",
            DATE,
        );
        assert_eq!(
            sig(&a),
            "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"
        );
        let a = SUITE.authorization(
            "POST",
            "/",
            "",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                HOST,
                ("X-Amz-Date", DATE),
            ],
            b"Param1=value1",
            DATE,
        );
        assert!(
            a.contains("SignedHeaders=content-type;host;x-amz-date"),
            "{a}"
        );
        assert_eq!(
            sig(&a),
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
        );
    }

    #[test]
    fn account_id_is_derived_offline() {
        assert_eq!(
            account_from_key_id("ASIAY34FZKBOKMUTVV7A").as_deref(),
            Some("609629065308")
        );
        assert_eq!(account_from_key_id("AKIAIOSFODNN7EXAMPLE"), None);
        assert_eq!(account_from_key_id("AKIA123"), None);
    }

    #[test]
    fn sts_answers_map_to_outcomes() {
        let r = |status: u16, body: &str| HttpResponse {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
            attempts: 1,
        };
        let live = map_response(
            &r(
                200,
                r#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012","Arn":"arn:aws:iam::123456789012:user/ci","UserId":"AIDAEXAMPLE"}}}"#,
            ),
            true,
        );
        assert_eq!(live.outcome, Outcome::Live);
        assert_eq!(live.identity["arn"], "arn:aws:iam::123456789012:user/ci");
        let xml = map_response(
            &r(
                200,
                "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::1:root</Arn><UserId>1</UserId><Account>000000000001</Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
            ),
            true,
        );
        assert_eq!(xml.outcome, Outcome::Live);
        assert!(xml.identity.contains_key("note"));
        let dead = map_response(
            &r(
                403,
                "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>",
            ),
            false,
        );
        assert_eq!(dead.outcome, Outcome::Dead);
        assert_eq!(map_response(&r(200, "{}"), false).outcome, Outcome::Unknown);
        assert_eq!(map_response(&r(503, ""), false).outcome, Outcome::Unknown);
        assert_eq!(
            map_response(&r(403, "<Code>AccessDenied</Code>"), false).outcome,
            Outcome::Unknown
        );
    }
}
