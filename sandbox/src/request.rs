//! Reading what a client sent, the same way for every provider: headers, query and form
//! parameters, `Authorization` (Bearer and Basic) and http(s) URLs.
//!
//! Provider modules keep their own rules on top (which error to answer, loopback-only redirect
//! URIs, callback hosts); only the parsing lives here.

use url::Url;
use wiremock::Request;

/// A header's value, if present and visible ASCII.
pub(crate) fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
}

/// Query or form parameters, in order, keys as sent (`expand[]`, `metadata[notes]`). Parse once
/// per request, then read as often as needed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// The URL's query string.
    pub(crate) fn query(request: &Request) -> Self {
        Params(request.url.query_pairs().into_owned().collect())
    }

    /// A form-encoded (`application/x-www-form-urlencoded`) body.
    pub(crate) fn form(request: &Request) -> Self {
        Params(
            url::form_urlencoded::parse(&request.body)
                .into_owned()
                .collect(),
        )
    }

    /// The first value of `name`, if present (possibly empty).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of `name` if present and not empty.
    pub(crate) fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|value| !value.is_empty())
    }

    /// Every value of `name`.
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Map parameters `<prefix>[<key>]=<value>`, as `(key, value)`.
    pub(crate) fn map(&self, prefix: &str) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter_map(|(key, value)| {
                let inner = key
                    .strip_prefix(prefix)?
                    .strip_prefix('[')?
                    .strip_suffix(']')?;
                Some((inner.to_owned(), value.clone()))
            })
            .collect()
    }
}

/// `Authorization: <scheme> <credentials>`: the credentials (trimmed, not empty) when the
/// scheme is `scheme`, compared case-insensitively (RFC 9110 §11.1).
fn authorization<'a>(request: &'a Request, scheme: &str) -> Option<&'a str> {
    let value = header(request, "authorization")?.trim_start();
    let (given, credentials) = value.split_once(' ')?;
    given
        .eq_ignore_ascii_case(scheme)
        .then_some(credentials.trim())
        .filter(|credentials| !credentials.is_empty())
}

/// The token of `Authorization: Bearer <token>` (scheme in any case), if any.
pub(crate) fn bearer(request: &Request) -> Option<&str> {
    authorization(request, "bearer")
}

/// `Authorization: Basic base64(user:password)` (scheme in any case): `None` when the header is
/// absent or of another scheme; `Some(None)` when it is Basic but not base64 of UTF-8
/// `user:password`; else `Some(Some((user, password)))`.
pub(crate) fn basic(request: &Request) -> Option<Option<(String, String)>> {
    use base64::Engine as _;
    let encoded = authorization(request, "basic")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    Some(decoded.and_then(|text| {
        text.split_once(':')
            .map(|(user, password)| (user.to_owned(), password.to_owned()))
    }))
}

/// `value` as an absolute `http` or `https` URL, if it is one.
pub(crate) fn web_url(value: &str) -> Option<Url> {
    Url::parse(value)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)], url: &str, body: &[u8]) -> Request {
        let mut map = http::HeaderMap::new();
        for (name, value) in headers {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                http::HeaderValue::from_str(value).unwrap(),
            );
        }
        Request {
            url: Url::parse(url).unwrap(),
            method: http::Method::POST,
            headers: map,
            body: body.to_vec(),
        }
    }

    #[test]
    fn bearer_accepts_the_scheme_in_any_case_and_trims_the_token() {
        let url = "http://x/";
        for value in ["Bearer abc", "bearer abc", "BEARER  abc ", " Bearer abc"] {
            let r = request(&[("authorization", value)], url, b"");
            assert_eq!(bearer(&r), Some("abc"), "{value}");
        }
        for value in ["Bearer", "Bearer   ", "Basic abc", "Bearerabc"] {
            let r = request(&[("authorization", value)], url, b"");
            assert_eq!(bearer(&r), None, "{value}");
        }
        assert_eq!(bearer(&request(&[], url, b"")), None);
    }

    #[test]
    fn basic_decodes_user_and_password() {
        let url = "http://x/";
        // "user:pa:ss"
        let r = request(&[("authorization", "basic dXNlcjpwYTpzcw==")], url, b"");
        assert_eq!(
            basic(&r),
            Some(Some(("user".to_owned(), "pa:ss".to_owned())))
        );
        let r = request(&[("authorization", "Basic !!!")], url, b"");
        assert_eq!(basic(&r), Some(None));
        // "nocolon"
        let r = request(&[("authorization", "Basic bm9jb2xvbg==")], url, b"");
        assert_eq!(basic(&r), Some(None));
        let r = request(&[("authorization", "Bearer abc")], url, b"");
        assert_eq!(basic(&r), None);
    }

    #[test]
    fn params_read_query_and_form_in_order() {
        let r = request(
            &[],
            "http://x/?expand[]=merchant&a=1&a=2&empty=",
            b"metadata%5Bk%5D=v&metadata%5Bnotes%5D=hi&x=1",
        );
        let query = Params::query(&r);
        assert_eq!(query.get("a"), Some("1"));
        assert_eq!(query.all("a").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(query.get("empty"), Some(""));
        assert_eq!(query.non_empty("empty"), None);
        assert_eq!(query.get("expand[]"), Some("merchant"));
        let form = Params::form(&r);
        assert_eq!(
            form.map("metadata"),
            [
                ("k".to_owned(), "v".to_owned()),
                ("notes".to_owned(), "hi".to_owned())
            ]
        );
        assert_eq!(form.get("x"), Some("1"));
    }

    #[test]
    fn web_url_takes_only_absolute_http_urls() {
        assert!(web_url("https://example.com/a").is_some());
        assert!(web_url("http://127.0.0.1:9/hook").is_some());
        for bad in [
            "ftp://example.com",
            "example.com",
            "",
            "mailto:a@b.c",
            "http://",
        ] {
            assert!(web_url(bad).is_none(), "{bad}");
        }
    }
}
