//! AWS access keys revoke themselves through IAM, signed with the leaked key: first
//! `UpdateAccessKey Status=Inactive` (reversible, the AWS-recommended first step), and only if
//! that is denied, `DeleteAccessKey`. `UserName` is omitted, so IAM applies the call to the
//! signing key's own user: it can never touch another key. A key that was deactivated can no
//! longer sign anything, so deleting it afterwards is the owner's job (after checking
//! `LastUsed`). Temporary `ASIA` keys cannot be revoked this way.

use reqwest::Url;

use super::interp::Attempt;
use crate::validate::Inputs;
use crate::validate::aws::{SigV4, amz_now, field};
use crate::validate::http::{HttpRequest, HttpResponse, SafeClient};
use crate::validate::interp::sanitize;
use crate::validate::spec::Method;

/// The global IAM endpoint (signed for `us-east-1`).
pub const IAM_HOST: &str = "iam.amazonaws.com";

/// The URL both calls post to (before overrides).
pub fn endpoint_url() -> String {
    format!("https://{IAM_HOST}/")
}

/// The form body of an IAM call on the key itself.
pub fn body(action: &str, key_id: &str) -> String {
    let status = if action == "UpdateAccessKey" {
        "&Status=Inactive"
    } else {
        ""
    };
    format!("Action={action}&AccessKeyId={key_id}{status}&Version=2010-05-08")
}

/// Builds a SigV4-signed IAM call (`UpdateAccessKey` or `DeleteAccessKey`).
pub fn build_request(action: &str, key_id: &str, secret: &str, amz_date: &str) -> HttpRequest {
    let ct = "application/x-www-form-urlencoded; charset=utf-8";
    let payload = body(action, key_id);
    let signer = SigV4 {
        key_id,
        secret,
        region: "us-east-1",
        service: "iam",
    };
    let to_sign = [
        ("content-type", ct),
        ("host", IAM_HOST),
        ("x-amz-date", amz_date),
    ];
    let auth = signer.authorization("POST", "/", "", &to_sign, payload.as_bytes(), amz_date);
    HttpRequest {
        method: Method::Post,
        url: Url::parse(&endpoint_url()).unwrap_or_else(|_| unreachable!("constant URL")),
        headers: vec![
            ("Content-Type".to_string(), ct.to_string()),
            ("X-Amz-Date".to_string(), amz_date.to_string()),
            ("Authorization".to_string(), auth),
        ],
        body: Some(payload.into_bytes()),
    }
}

fn code(resp: &HttpResponse) -> String {
    field(&String::from_utf8_lossy(&resp.body), "Code")
        .map(|c| sanitize(&c, 60))
        .unwrap_or_default()
}

fn failure(action: &str, resp: &HttpResponse) -> String {
    let s = resp.status;
    let c = code(resp);
    match (s, c.as_str()) {
        (_, "InvalidClientTokenId") => {
            "InvalidClientTokenId: AWS no longer accepts this key (already inactive or deleted?)"
                .into()
        }
        (_, "NoSuchEntity") => format!("{action}: NoSuchEntity (the key is gone)"),
        (_, "Throttling") | (429, _) => {
            format!("rate limited ({action}: HTTP {s} {c}); try again later")
        }
        (500..=599, _) => format!(
            "provider error HTTP {s} {c} after {} attempt(s)",
            resp.attempts
        ),
        (300..=399, _) => format!("HTTP {s} redirect not followed"),
        _ => format!("{action}: HTTP {s} {c}"),
    }
}

/// Deactivates the key (or deletes it when only deletion is allowed).
pub async fn revoke(inputs: &Inputs<'_>, client: &SafeClient, needs: &str) -> Attempt {
    let Some(key_id) = inputs.parts.get("key_id") else {
        return Attempt::failed("needs the access key id found next to the secret; none was");
    };
    let well_formed = key_id.len() == 20
        && key_id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !well_formed {
        return Attempt::failed("the paired access key id is malformed; nothing sent");
    }
    if !key_id.starts_with("AKIA") {
        return Attempt::failed(
            "temporary (ASIA) keys cannot be revoked with the key itself; revoke the role's active sessions in IAM",
        );
    }
    let mut denied = Vec::new();
    for action in ["UpdateAccessKey", "DeleteAccessKey"] {
        let req = build_request(action, key_id, inputs.secret, &amz_now());
        let resp = match client.send(&req).await {
            Ok(r) => r,
            Err(e) => return Attempt::failed(format!("{action}: {e}")),
        };
        if resp.status == 200 {
            let reason = if action == "UpdateAccessKey" {
                "deactivated with UpdateAccessKey (Status=Inactive; reversible): delete it in IAM once nothing depends on it"
            } else {
                "deleted with DeleteAccessKey (UpdateAccessKey was denied)"
            };
            return Attempt {
                accepted: true,
                reason: reason.into(),
            };
        }
        if code(&resp) == "AccessDenied" {
            denied.push(action);
            continue;
        }
        return Attempt::failed(failure(action, &resp));
    }
    Attempt::failed(format!(
        "could not revoke: needs {needs} (AccessDenied on {})",
        denied.join(" and ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_name_the_key_and_never_a_user() {
        let r = build_request(
            "UpdateAccessKey",
            "AKIAXXXXXXXXXXXXXXXX",
            "secret",
            "20260101T000000Z",
        );
        let b = String::from_utf8(r.body.clone().unwrap()).unwrap();
        assert_eq!(
            b,
            "Action=UpdateAccessKey&AccessKeyId=AKIAXXXXXXXXXXXXXXXX&Status=Inactive&Version=2010-05-08"
        );
        assert!(!b.contains("UserName"));
        let auth = &r
            .headers
            .iter()
            .find(|(k, _)| k == "Authorization")
            .unwrap()
            .1;
        assert!(auth.contains("/us-east-1/iam/aws4_request"), "{auth}");
        assert!(!auth.contains("secret"));
        assert_eq!(
            body("DeleteAccessKey", "AKIAX"),
            "Action=DeleteAccessKey&AccessKeyId=AKIAX&Version=2010-05-08"
        );
    }
}
