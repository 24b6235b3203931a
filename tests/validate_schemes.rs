//! The code-only validation schemes against real stand-in servers on 127.0.0.1: AWS SigV4
//! `sts:GetCallerIdentity`, Azure Storage SharedKey `List Containers` and the GCP
//! service-account JWT exchange. Each test checks the exact request — including that the
//! signature verifies and that the secret itself never leaves the process — and the response
//! mapping table.

mod support;

use std::time::Duration;

use base64::Engine as _;
use leakhound::finding::Finding;
use leakhound::validate::spec::Outcome;
use leakhound::validate::{aws, azure};
use support::standin::{Recorded, Reply, StandIn};

use Outcome::{Dead, Live, Unknown};

struct Case {
    name: &'static str,
    reply: Reply,
    expect: Outcome,
    requests: usize,
}

fn case(name: &'static str, reply: Reply, expect: Outcome, requests: usize) -> Case {
    Case {
        name,
        reply,
        expect,
        requests,
    }
}

/// The failure cases every scheme shares: 429 with Retry-After, 500, timeout, redirect.
fn common_cases(server_url: &str) -> Vec<Case> {
    vec![
        case(
            "429",
            Reply::json(429, "{}").header("retry-after", "1"),
            Unknown,
            3,
        ),
        case("500", Reply::json(500, "{}"), Unknown, 3),
        case(
            "302",
            Reply::json(302, "{}").header("location", &format!("{server_url}/followed")),
            Unknown,
            1,
        ),
        case(
            "timeout",
            Reply::json(200, "{}").delayed(Duration::from_secs(30)),
            Unknown,
            1,
        ),
    ]
}

/// Runs every case; `check` asserts each recorded request. Returns the findings of the live
/// case (validated with the access map).
fn run_cases(
    findings: &[Finding],
    host: &str,
    cases: Vec<Case>,
    check: &dyn Fn(&Recorded),
) -> Vec<Finding> {
    let server = StandIn::start(|_| Reply::json(500, "{}"));
    let url = server.url();
    let mut live_findings = Vec::new();
    for c in cases {
        server.reset();
        let reply = c.reply.clone();
        server.set_handler(move |_| reply.clone());
        let live = c.expect == Live;
        let mut opts = support::options_for(&[host], &url, live);
        if c.name == "timeout" {
            opts.http.request_timeout = Duration::from_secs(1);
        }
        let mut fs = findings.to_vec();
        support::run(&mut fs, &opts);
        let v = fs[0].validation.clone().expect("validated");
        assert_eq!(
            Outcome::parse(&v.status),
            Some(c.expect),
            "[{}] {}",
            c.name,
            v.reason
        );
        let reqs = server.requests();
        assert_eq!(reqs.len(), c.requests, "[{}] request count", c.name);
        assert!(
            !reqs.iter().any(|q| q.target.starts_with("/followed")),
            "[{}] redirect followed",
            c.name
        );
        for q in &reqs {
            check(q);
        }
        if live {
            live_findings = fs;
        }
    }
    live_findings
}

fn assert_only_headers(q: &Recorded, allowed: &[&str]) {
    for (k, _) in &q.headers {
        assert!(
            matches!(k.as_str(), "host" | "user-agent" | "content-length")
                || allowed.contains(&k.as_str()),
            "unexpected header {k}"
        );
    }
}

fn assert_secret_absent(q: &Recorded, secret: &str) {
    let all = format!("{} {:?} {}", q.target, q.headers, q.body_text());
    assert!(!all.contains(secret), "the secret itself was sent");
}

#[test]
fn aws_sts_sigv4() {
    let text = support::fake(
        "[default]\naws_access_key_id = AKIA«upper:16»\naws_secret_access_key = «b64:40»\n",
        "aws-scheme",
    );
    let secret = support::finding_in(&text, "aws.secret_access_key").expect("secret finding");
    let key_id = support::finding_in(&text, "aws.access_key_id").expect("key id finding");
    let kid = secret.parts["key_id"].expose().to_string();
    let sak = secret.secret.expose().to_string();
    let check = |q: &Recorded| {
        assert_eq!(q.method, "POST");
        assert_eq!(q.target, "/");
        assert_eq!(q.body_text(), "Action=GetCallerIdentity&Version=2011-06-15");
        let ct = "application/x-www-form-urlencoded; charset=utf-8";
        assert_eq!(q.header("content-type"), Some(ct));
        assert_eq!(q.header("accept"), Some("application/json"));
        let date = q.header("x-amz-date").expect("x-amz-date");
        assert!(date.len() == 16 && date.ends_with('Z') && date.as_bytes()[8] == b'T');
        let want = aws::SigV4 {
            key_id: &kid,
            secret: &sak,
            region: "us-east-1",
            service: "sts",
        }
        .authorization(
            "POST",
            "/",
            "",
            &[
                ("content-type", ct),
                ("host", aws::STS_HOST),
                ("x-amz-date", date),
            ],
            q.body.as_slice(),
            date,
        );
        assert_eq!(q.header("authorization"), Some(want.as_str()));
        assert!(want.contains(&format!(
            "Credential={kid}/{}/us-east-1/sts/aws4_request",
            &date[..8]
        )));
        assert_only_headers(
            q,
            &["content-type", "accept", "x-amz-date", "authorization"],
        );
        assert_secret_absent(q, &sak);
    };
    let err = |code: &str| {
        Reply::json(
            403,
            &format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>m</Message></Error></ErrorResponse>"
            ),
        )
    };
    let server_url = "http://127.0.0.1:9"; // only used for the redirect target
    let mut cases = vec![
        case(
            "live",
            Reply::json(
                200,
                r#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012","Arn":"arn:aws:iam::123456789012:user/deploy","UserId":"AIDAEXAMPLEUSERID"}}}"#,
            ),
            Live,
            1,
        ),
        case("invalid id", err("InvalidClientTokenId"), Dead, 1),
        case(
            "wrong secret (retried once)",
            err("SignatureDoesNotMatch"),
            Dead,
            2,
        ),
        case("expired", err("ExpiredToken"), Dead, 1),
        case(
            "access denied is no verdict",
            err("AccessDenied"),
            Unknown,
            1,
        ),
        case(
            "malformed",
            Reply::json(200, r#"{"GetCallerIdentityResponse": ["#),
            Unknown,
            1,
        ),
    ];
    cases.extend(common_cases(server_url));
    let live = run_cases(&[secret, key_id], aws::STS_HOST, cases, &check);
    let id = &live[0].validation.as_ref().unwrap().identity;
    assert_eq!(id["account"], "123456789012");
    assert_eq!(id["arn"], "arn:aws:iam::123456789012:user/deploy");
    // The key id alone takes its pair's verdict.
    let kv = live[1].validation.as_ref().unwrap();
    assert_eq!(kv.status, "live", "{}", kv.reason);
    assert!(kv.reason.contains("paired secret"), "{}", kv.reason);
}

#[test]
fn aws_wrong_secret_does_not_make_its_key_id_dead() {
    let text = support::fake(
        "aws_access_key_id = AKIA«upper:16»\naws_secret_access_key = «b64:40»\n",
        "aws-wrong",
    );
    let secret = support::finding_in(&text, "aws.secret_access_key").expect("secret");
    let key_id = support::finding_in(&text, "aws.access_key_id").expect("key id");
    let server = StandIn::start(|_| {
        Reply::json(
            403,
            "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>",
        )
    });
    let mut fs = vec![secret, key_id];
    support::run(
        &mut fs,
        &support::options_for(&[aws::STS_HOST], &server.url(), false),
    );
    assert_eq!(fs[0].validation.as_ref().unwrap().status, "dead");
    let k = fs[1].validation.as_ref().unwrap();
    assert_eq!(k.status, "unknown", "{}", k.reason);
    assert!(k.reason.contains("exists and is active"), "{}", k.reason);
}

#[test]
fn aws_temporary_key_without_session_token_sends_nothing() {
    let text = support::fake(
        "aws_access_key_id = ASIA«upper:16»\naws_secret_access_key = «b64:40»\n",
        "aws-asia",
    );
    let f = support::finding_in(&text, "aws.secret_access_key").expect("finding");
    let server = StandIn::start(|_| Reply::json(200, "{}"));
    let mut fs = vec![f];
    let s = support::run(
        &mut fs,
        &support::options_for(&[aws::STS_HOST], &server.url(), false),
    );
    let v = fs[0].validation.as_ref().unwrap();
    assert_eq!(v.status, "unknown");
    assert!(v.reason.contains("session token"), "{}", v.reason);
    assert_eq!(s.requests, 0);
    assert!(server.requests().is_empty());
}

#[test]
fn azure_storage_shared_key() {
    // A canonical base64 key (64 random bytes), as Azure issues them.
    let raw: Vec<u8> = support::fake("«hex:128»", "azure-key")
        .as_bytes()
        .chunks(2)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
        .collect();
    let key64 = base64::engine::general_purpose::STANDARD.encode(raw);
    let text = format!(
        "AZURE_STORAGE_CONNECTION_STRING=\"DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={key64};EndpointSuffix=core.windows.net\"\n"
    );
    let f = support::finding_in(&text, "azure.storage.account_key").expect("finding");
    let key = f.secret.expose().to_string();
    let check = |q: &Recorded| {
        assert_eq!(q.method, "GET");
        assert_eq!(q.target, "/?comp=list&maxresults=20");
        assert_eq!(q.header("x-ms-version"), Some(azure::API_VERSION));
        let date = q.header("x-ms-date").expect("x-ms-date");
        assert!(date.ends_with(" GMT"), "{date}");
        let want = azure::shared_key(
            "acmeprod",
            &key,
            date,
            "/",
            &[("comp", "list"), ("maxresults", "20")],
        )
        .unwrap();
        assert_eq!(q.header("authorization"), Some(want.as_str()));
        assert_only_headers(q, &["x-ms-date", "x-ms-version", "authorization", "accept"]);
        assert_secret_absent(q, &key);
    };
    let xml_err = |code: &str| {
        Reply::json(
            403,
            &format!(
                "<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>m</Message></Error>"
            ),
        )
    };
    let mut cases = vec![
        case(
            "live",
            Reply::json(
                200,
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ServiceEndpoint=\"x\"><Containers><Container><Name>backups</Name></Container><Container><Name>logs</Name></Container></Containers></EnumerationResults>",
            ),
            Live,
            1,
        ),
        case("bad key", xml_err("AuthenticationFailed"), Dead, 1),
        case("firewalled", xml_err("AuthorizationFailure"), Unknown, 1),
        case(
            "malformed",
            Reply::json(200, "{\"not\": \"xml\"}"),
            Unknown,
            1,
        ),
        case(
            "html 403",
            Reply::json(403, "<html>blocked</html>"),
            Unknown,
            1,
        ),
    ];
    cases.extend(common_cases("http://127.0.0.1:9"));
    let live = run_cases(&[f], "acmeprod.blob.core.windows.net", cases, &check);
    let id = &live[0].validation.as_ref().unwrap().identity;
    assert_eq!(id["containers"], "backups, logs");
}

fn service_account_json(email: &str, token_uri: &str) -> (String, aws_lc_rs::rsa::KeyPair) {
    use aws_lc_rs::encoding::AsDer;
    let kp = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let der = kp.as_der().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
    let lines: Vec<String> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n",
        lines.join("\\n")
    );
    let json = format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"acme-prod\",\n  \"private_key_id\": \"{}\",\n  \"private_key\": \"{pem}\",\n  \"client_email\": \"{email}\",\n  \"token_uri\": \"{token_uri}\"\n}}\n",
        support::fake("«hex:40»", "kid")
    );
    (json, kp)
}

#[test]
fn gcp_service_account_jwt_exchange() {
    use aws_lc_rs::signature::KeyPair as _;
    let email = "deployer@acme-prod.iam.gserviceaccount.com";
    // A planted token_uri must be ignored: the assertion only ever goes to Google's endpoint.
    let (json, kp) = service_account_json(email, "https://evil.example/token");
    let f = support::finding_in(&json, "gcp.service_account.private_key").expect("finding");
    assert_eq!(f.parts["client_email"].expose(), email);
    let pem = f.secret.expose().to_string();
    let pubkey = kp.public_key().as_ref().to_vec();
    let check = move |q: &Recorded| {
        assert_eq!(q.method, "POST");
        assert_eq!(q.target, "/token");
        assert_eq!(
            q.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        let body = q.body_text();
        let jwt = body
            .strip_prefix(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=",
            )
            .expect("jwt-bearer grant");
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let dec = |s: &str| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .unwrap()
        };
        let claims: serde_json::Value = serde_json::from_slice(&dec(parts[1])).unwrap();
        assert_eq!(claims["iss"], email);
        assert_eq!(claims["aud"], "https://oauth2.googleapis.com/token");
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            300
        );
        aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            &pubkey,
        )
        .verify(
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
            &dec(parts[2]),
        )
        .expect("the assertion verifies with the key's public half");
        assert_only_headers(q, &["content-type", "accept"]);
        let key_body: String = pem
            .split("\\n")
            .nth(1)
            .unwrap_or_default()
            .chars()
            .take(40)
            .collect();
        assert_eq!(key_body.len(), 40);
        assert!(!body.contains(&key_body), "private key material was sent");
    };
    let mut cases = vec![
        case(
            "live",
            Reply::json(
                200,
                r#"{"access_token":"ya29.minted","expires_in":3599,"token_type":"Bearer"}"#,
            ),
            Live,
            1,
        ),
        case(
            "invalid grant",
            Reply::json(
                400,
                r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#,
            ),
            Dead,
            1,
        ),
        case(
            "other 400",
            Reply::json(400, r#"{"error":"invalid_scope"}"#),
            Unknown,
            1,
        ),
        case("malformed", Reply::json(200, r#"{"access_tok"#), Unknown, 1),
    ];
    cases.extend(common_cases("http://127.0.0.1:9"));
    let live = run_cases(&[f], "oauth2.googleapis.com", cases, &check);
    let v = live[0].validation.as_ref().unwrap();
    assert_eq!(v.identity["service_account"], email);
    assert_eq!(v.identity["project"], "acme-prod");
    assert!(
        !format!("{v:?}").contains("ya29.minted"),
        "the minted token was kept"
    );
}
