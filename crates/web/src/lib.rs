//! The web app's built files, compiled into the binary.
//!
//! The app is the Vite build in `web/dist` (`make web`); when it has not been built, a small
//! placeholder shell (`crates/web/shell`) is served instead, so the server always has a page. In
//! release builds the files are embedded; in debug builds `rust-embed` reads them from disk, so
//! rebuilding the front end needs no recompile. Hashed file names (under `assets/`) are cached
//! for a year; everything else, `index.html` first, is revalidated so a deploy is seen at once.

use std::borrow::Cow;

#[derive(rust_embed::RustEmbed)]
#[folder = "$CARGO_MANIFEST_DIR/../../web/dist/"]
#[allow_missing = true]
struct App;

#[derive(rust_embed::RustEmbed)]
#[folder = "shell/"]
struct Shell;

/// Whether the built app is present (else the placeholder shell is served).
pub fn app_built() -> bool {
    App::get("index.html").is_some()
}

fn file(path: &str) -> Option<rust_embed::EmbeddedFile> {
    if app_built() { App::get(path) } else { Shell::get(path) }
}

/// One file of the web app.
pub struct Asset {
    pub bytes: Cow<'static, [u8]>,
    pub mime: String,
    pub cache_control: &'static str,
}

/// The file at `path` (relative, no leading slash), if the app has one.
pub fn asset(path: &str) -> Option<Asset> {
    let path = if path.is_empty() { "index.html" } else { path };
    let file = file(path)?;
    let cache_control =
        if path.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    Some(Asset { bytes: file.data, mime: file.metadata.mimetype().to_owned(), cache_control })
}

/// The app's entry page, served for every client-side route.
pub fn index() -> Option<Asset> {
    asset("index.html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_is_embedded_and_revalidated() {
        let index = index().expect("index.html is part of the build");
        assert!(index.mime.starts_with("text/html"));
        assert_eq!(index.cache_control, "no-cache");
    }

    #[test]
    fn hashed_assets_are_immutable() {
        let some_asset = if app_built() {
            App::iter().find(|p| p.starts_with("assets/")).map(|p| p.into_owned())
        } else {
            Some("assets/shell.css".to_owned())
        };
        let css = asset(&some_asset.expect("an asset")).expect("the asset is embedded");
        assert_eq!(css.cache_control, "public, max-age=31536000, immutable");
        assert!(asset("assets/missing.js").is_none());
    }
}
