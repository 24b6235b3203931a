//! Google Cloud service-account keys: an RS256-signed JWT assertion exchanged at Google's fixed
//! token endpoint (the file's own `token_uri` is ignored, so a planted key cannot redirect the
//! signed assertion). A successful exchange mints a short-lived token that is discarded at once.

use base64::Engine as _;
use reqwest::Url;

use super::http::{HttpRequest, HttpResponse, SafeClient};
use super::interp::sanitize;
use super::spec::{Method, Outcome};
use super::{Check, Inputs};

/// Google's OAuth token endpoint.
pub const TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

fn b64url(data: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

/// DER bytes of a PEM private key as found in a JSON file (`\n` escapes allowed).
pub fn pem_der(pem: &str) -> Result<(Vec<u8>, bool), String> {
    let text = pem.replace("\\n", "\n").replace("\\r", "");
    let pkcs1 = text.contains("BEGIN RSA PRIVATE KEY");
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.as_bytes())
        .map_err(|_| "private key is not valid PEM/base64".to_string())?;
    Ok((der, pkcs1))
}

/// Signs `header.claims` with the key; the result is a compact JWT.
pub fn sign_assertion(pem: &str, client_email: &str, now: i64) -> Result<String, String> {
    use aws_lc_rs::rsa::KeyPair;
    use aws_lc_rs::signature::RSA_PKCS1_SHA256;
    let (der, pkcs1) = pem_der(pem)?;
    let key = if pkcs1 {
        KeyPair::from_der(&der)
    } else {
        KeyPair::from_pkcs8(&der)
    }
    .map_err(|_| "private key is not a usable RSA key".to_string())?;
    let header = b64url(br#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "iss": client_email,
        "scope": SCOPE,
        "aud": TOKEN_URL,
        "iat": now,
        "exp": now + 300,
    });
    let claims = b64url(claims.to_string().as_bytes());
    let signing_input = format!("{header}.{claims}");
    let mut sig = vec![0u8; key.public_modulus_len()];
    let rng = aws_lc_rs::rand::SystemRandom::new();
    key.sign(&RSA_PKCS1_SHA256, &rng, signing_input.as_bytes(), &mut sig)
        .map_err(|_| "RSA signing failed".to_string())?;
    Ok(format!("{signing_input}.{}", b64url(&sig)))
}

fn client_email<'a>(inputs: &'a Inputs<'_>) -> Result<&'a str, String> {
    let e = inputs
        .parts
        .get("client_email")
        .ok_or("needs the client_email of the key file; none was found next to the key")?;
    let ok = e.len() <= 200
        && e.ends_with(".gserviceaccount.com")
        && e.split_once('@').is_some_and(|(u, d)| {
            !u.is_empty()
                && u.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
                && d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.".contains(&b))
        });
    if !ok {
        return Err("client_email is not a service-account address; not sent".into());
    }
    Ok(e)
}

/// Builds the token request.
pub fn build_request(inputs: &Inputs<'_>, now: i64) -> Result<HttpRequest, String> {
    let email = client_email(inputs)?;
    let jwt = sign_assertion(inputs.secret, email, now)?;
    let body =
        format!("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={jwt}");
    Ok(HttpRequest {
        method: Method::Post,
        url: Url::parse(TOKEN_URL).unwrap_or_else(|_| unreachable!("constant URL")),
        headers: vec![(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: Some(body.into_bytes()),
    })
}

/// Maps Google's answer. The minted access token is never kept.
pub fn map_response(resp: &HttpResponse, email: &str, access_map: bool) -> Check {
    let s = resp.status;
    let json: Option<serde_json::Value> = serde_json::from_slice(&resp.body).ok();
    let err = json
        .as_ref()
        .and_then(|j| j.get("error"))
        .and_then(|e| e.as_str())
        .unwrap_or_default()
        .to_string();
    let desc = json
        .as_ref()
        .and_then(|j| j.get("error_description"))
        .and_then(|e| e.as_str())
        .map(|d| sanitize(d, 120))
        .unwrap_or_default();
    match s {
        200 if json
            .as_ref()
            .and_then(|j| j.get("access_token"))
            .is_some_and(|t| t.is_string()) =>
        {
            let mut c = Check::new(Outcome::Live, "JWT-bearer token exchange succeeded");
            if access_map {
                c.identity
                    .insert("service_account".into(), email.to_string());
                if let Some(p) = email
                    .split_once('@')
                    .and_then(|(_, d)| d.strip_suffix(".iam.gserviceaccount.com"))
                {
                    c.identity.insert("project".into(), p.to_string());
                }
                c.identity.insert("scope".into(), SCOPE.into());
            }
            c
        }
        200 => Check::unknown("HTTP 200 without an access token (unexpected body)"),
        300..=399 => Check::unknown(format!("HTTP {s} redirect not followed")),
        400 | 401 if err == "invalid_grant" || err == "invalid_client" => Check::new(
            Outcome::Dead,
            format!("{err}: {desc}").trim_end_matches(": ").to_string(),
        ),
        _ => Check::unknown(format!("HTTP {s} {} is not a verdict", sanitize(&err, 60))),
    }
}

/// Checks a service-account key.
pub async fn check(inputs: &Inputs<'_>, client: &SafeClient, access_map: bool) -> Check {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let req = match build_request(inputs, now) {
        Ok(r) => r,
        Err(e) => return Check::unknown(e),
    };
    let email = client_email(inputs).unwrap_or_default().to_string();
    match client.send(&req).await {
        Ok(r) => map_response(&r, &email, access_map),
        Err(e) => Check::unknown(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::signature::KeyPair as _;

    #[test]
    fn assertion_verifies_with_the_public_key() {
        let kp = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let der = kp.as_der().unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        let pem = format!("-----BEGIN PRIVATE KEY-----\\n{b64}\\n-----END PRIVATE KEY-----\\n");
        let jwt = sign_assertion(&pem, "ci@acme.iam.gserviceaccount.com", 1_700_000_000).unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(parts[1])
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["aud"], TOKEN_URL);
        assert_eq!(claims["iss"], "ci@acme.iam.gserviceaccount.com");
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[2])
            .unwrap();
        let pk = aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            kp.public_key().as_ref(),
        );
        pk.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .unwrap();
        assert!(
            sign_assertion(
                "-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----",
                "a@b.iam.gserviceaccount.com",
                0
            )
            .is_err()
        );
    }

    #[test]
    fn hostile_client_emails_are_refused() {
        for bad in [
            "ci@evil.example",
            "ci@acme.iam.gserviceaccount.com.evil.example",
            "c i@acme.iam.gserviceaccount.com",
            "@acme.iam.gserviceaccount.com",
        ] {
            let mut parts = std::collections::BTreeMap::new();
            parts.insert("client_email".to_string(), bad.to_string());
            assert!(
                client_email(&Inputs {
                    secret: "",
                    parts: &parts
                })
                .is_err(),
                "{bad}"
            );
        }
    }
}
