//! Driving the console over HTTP as a browser does: cookies kept between
//! requests, redirects not followed (tests look at them), and the CSRF token
//! read from the last page's forms.

use std::collections::BTreeMap;
use std::sync::Mutex;

use reqwest::Method;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

use crate::TestApp;

/// A console answer, read whole.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    /// Every `Set-Cookie` line, as sent.
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Page {
    /// Where a redirect points.
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Set-Cookie` line for `name`, if this answer set it.
    pub fn cookie_line(&self, name: &str) -> Option<&str> {
        self.set_cookies
            .iter()
            .map(String::as_str)
            .find(|l| l.starts_with(&format!("{name}=")))
    }

    /// The text after the first `start` up to the next `end`.
    pub fn between(&self, start: &str, end: &str) -> String {
        let from = self
            .body
            .find(start)
            .unwrap_or_else(|| panic!("{start} not in the page:\n{}", self.body))
            + start.len();
        let to = self.body[from..].find(end).expect("end") + from;
        self.body[from..to].to_owned()
    }

    /// The value of the first hidden `csrf` field on the page.
    pub fn csrf(&self) -> String {
        self.between(r#"name="csrf" value=""#, "\"")
    }
}

/// What a request carries.
enum Body<'a> {
    None,
    Form(&'a [(&'a str, &'a str)]),
    Multipart(reqwest::multipart::Form),
}

/// A browser's session with the console of one test server.
pub struct Browser {
    origin: String,
    client: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Browser {
            origin: app.origin.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(Method::GET, path, Body::None).await
    }

    /// Posts a form (`application/x-www-form-urlencoded`).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.send(Method::POST, path, Body::Form(fields)).await
    }

    /// Posts a form with a file (`multipart/form-data`): the fields in
    /// order, then the file as field `file`.
    pub async fn upload(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        content: Vec<u8>,
    ) -> Page {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        let file = reqwest::multipart::Part::bytes(content).file_name(file_name.to_owned());
        self.send(Method::POST, path, Body::Multipart(form.part("file", file)))
            .await
    }

    /// Opens the sign-in page and signs in with it, as a clerk does.
    pub async fn sign_in(&self, phone: &str, password: &str) -> Page {
        let form = self.get("/console/login").await;
        assert_eq!(form.status, 200, "{}", form.body);
        let csrf = form.csrf();
        self.post(
            "/console/login",
            &[("phone", phone), ("password", password), ("csrf", &csrf)],
        )
        .await
    }

    /// The session cookie the browser holds now.
    pub fn session_cookie(&self) -> Option<String> {
        self.cookie("lvzhi_console")
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().expect("cookies").get(name).cloned()
    }

    /// Puts a cookie back (e.g. one kept from before signing out).
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .expect("cookies")
            .insert(name.to_owned(), value.to_owned());
    }

    async fn send(&self, method: Method, path: &str, body: Body<'_>) -> Page {
        let cookie_header = self
            .cookies
            .lock()
            .expect("cookies")
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.origin));
        if !cookie_header.is_empty() {
            req = req.header(reqwest::header::COOKIE, cookie_header);
        }
        req = match body {
            Body::None => req,
            Body::Form(fields) => req.form(fields),
            Body::Multipart(form) => req.multipart(form),
        };
        let resp = req.send().await.expect("console request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let set_cookies: Vec<String> = headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        {
            let mut jar = self.cookies.lock().expect("cookies");
            for line in &set_cookies {
                let pair = line.split(';').next().unwrap_or_default();
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let removed = value.is_empty() || line.to_ascii_lowercase().contains("max-age=0");
                if removed {
                    jar.remove(name.trim());
                } else {
                    jar.insert(name.trim().to_owned(), value.trim().to_owned());
                }
            }
        }
        let body = resp.text().await.expect("console body");
        Page {
            status,
            headers,
            set_cookies,
            body,
        }
    }
}
