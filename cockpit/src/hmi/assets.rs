//! The page's files, embedded in the binary: the HMI works offline, from any directory, with nothing to
//! install or build. The sources live in `cockpit/hmi/` as plain HTML, CSS and JavaScript.

/// A file of the page.
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

pub const ASSETS: &[Asset] = &[
    Asset {
        path: "/",
        content_type: "text/html; charset=utf-8",
        body: include_str!("../../hmi/index.html"),
    },
    Asset {
        path: "/index.html",
        content_type: "text/html; charset=utf-8",
        body: include_str!("../../hmi/index.html"),
    },
    Asset {
        path: "/app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../hmi/app.js"),
    },
    Asset {
        path: "/style.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../hmi/style.css"),
    },
    Asset {
        path: "/favicon.svg",
        content_type: "image/svg+xml",
        body: include_str!("../../hmi/favicon.svg"),
    },
];

/// The asset at `path`, if any.
pub fn get(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// Sent with every page file: only our own origin, no inline script, no framing by other sites.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_nothing_from_the_internet() {
        for a in ASSETS {
            for bad in [
                "http://",
                "https://",
                "//cdn",
                "@import",
                "fonts.googleapis",
            ] {
                // The SVG namespace is an identifier, not a download.
                let body = a.body.replace("http://www.w3.org/2000/svg", "");
                assert!(!body.contains(bad), "{} contains {bad}", a.path);
            }
        }
    }
}
