//! The HarmonyOS Archive (`.har`) of the cairn module: assembled from `harmony/cairn` (the
//! ArkTS HTTP client, `Index.ets`, manifests), the typings and the built `libcairn.so`, packed as
//! ohpm packs a HAR (a gzipped tar rooted at `package/`), and checked by unpacking it and parsing
//! what consumers rely on.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{OHOS_ABI, check_module};
use crate::mobile::{copy_file, copy_tree, recreate_dir};
use crate::{run, workspace_root};

/// The HAR's layout under `<out>/package` (harmony/cairn's sources, the typings, the
/// module as `libs/arm64-v8a/libcairn.so`), packed as target/harmony/cairn.har: a gzipped tar
/// whose root is `package/`, as ohpm packs HARs (`<out>/cairn.har`).
pub(crate) fn assemble_har(out: &Path, module: &Path, link_check: bool) -> Result<PathBuf, String> {
    let root = workspace_root();
    let layout = out.join("package");
    recreate_dir(&layout)?;
    copy_tree(&root.join("harmony/cairn"), &layout)?;
    copy_file(
        &root.join("bindings/harmony/index.d.ts"),
        &layout.join("src/main/cpp/types/libcairn/index.d.ts"),
    )?;
    copy_file(module, &layout.join("libs").join(OHOS_ABI).join("libcairn.so"))?;
    if link_check {
        let note = layout.join(LINK_CHECK_MARKER);
        fs::write(&note, LINK_CHECK_NOTE).map_err(|e| format!("cannot write {}: {e}", note.display()))?;
    }
    let har = layout.with_file_name("cairn.har");
    pack(&layout, &har)?;
    Ok(har)
}

/// Marks a HAR whose library is the link-check build.
pub(crate) const LINK_CHECK_MARKER: &str = "LINK-CHECK-ONLY.md";
const LINK_CHECK_NOTE: &str = "# Link-check build: do not ship\n\n\
libs/arm64-v8a/libcairn.so was linked without the OpenHarmony SDK, with rust-lld against empty stub\n\
libraries, to prove the module compiles and links for aarch64-unknown-linux-ohos. Its imports are\n\
not checked against the device's libraries. Build the real HAR with `cargo xtask harmony` on a\n\
machine with the SDK (OHOS_NDK_HOME).\n";

/// `tar -czf har -C <parent> package` with fixed owner and times (GNU tar, in Debian's base).
fn pack(layout: &Path, har: &Path) -> Result<(), String> {
    let parent = layout.parent().ok_or("the layout has no parent")?;
    let name = layout.file_name().ok_or("the layout has no name")?;
    run(Command::new("tar")
        .args(["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-czf"])
        .arg(har)
        .arg("-C")
        .arg(parent)
        .arg(name))
}

/// Files every cairn HAR holds (below `package/`).
const HAR_ENTRIES: [&str; 7] = [
    "oh-package.json5",
    "Index.ets",
    "src/main/module.json5",
    "src/main/ets/CairnHttp.ets",
    "src/main/cpp/types/libcairn/oh-package.json5",
    "src/main/cpp/types/libcairn/index.d.ts",
    "libs/arm64-v8a/libcairn.so",
];

/// Unpacks `har` and checks what consumers rely on: every entry under `package/`, the manifests'
/// fields (parsed as JSON5), the typings' HTTP client API and an aarch64 module.
pub(crate) fn check_har(har: &Path) -> Result<(), String> {
    let listing =
        Command::new("tar").arg("-tzf").arg(har).output().map_err(|e| format!("cannot run tar: {e}"))?;
    if !listing.status.success() {
        return Err(format!("{} is not a gzipped tar", har.display()));
    }
    let names = String::from_utf8_lossy(&listing.stdout).into_owned();
    if let Some(stray) = names.lines().find(|name| !name.starts_with("package/")) {
        return Err(format!("{stray}: a HAR's entries live under package/"));
    }
    let unpacked = har.with_extension("har.check");
    recreate_dir(&unpacked)?;
    run(Command::new("tar").arg("-xzf").arg(har).arg("-C").arg(&unpacked))?;
    let package = unpacked.join("package");
    let result = check_har_tree(&package);
    let _ = fs::remove_dir_all(&unpacked);
    result.map_err(|e| format!("{}: {e}", har.display()))
}

fn check_har_tree(package: &Path) -> Result<(), String> {
    let read = |name: &str| fs::read_to_string(package.join(name)).map_err(|e| format!("{name}: {e}"));
    for entry in HAR_ENTRIES {
        if !package.join(entry).is_file() {
            return Err(format!("package/{entry} is missing"));
        }
    }
    let manifest = json5::parse(&read("oh-package.json5")?).map_err(|e| format!("oh-package.json5: {e}"))?;
    expect(&manifest, &["name"], "cairn")?;
    expect(&manifest, &["main"], "Index.ets")?;
    expect(&manifest, &["dependencies", "libcairn.so"], "file:./src/main/cpp/types/libcairn")?;
    let module = json5::parse(&read("src/main/module.json5")?).map_err(|e| format!("module.json5: {e}"))?;
    expect(&module, &["module", "type"], "har")?;
    expect(&module, &["module", "name"], "cairn")?;
    let types_manifest = read("src/main/cpp/types/libcairn/oh-package.json5")?;
    let types = json5::parse(&types_manifest).map_err(|e| format!("libcairn oh-package.json5: {e}"))?;
    expect(&types, &["name"], "libcairn.so")?;
    expect(&types, &["types"], "./index.d.ts")?;
    if !read("src/main/cpp/types/libcairn/index.d.ts")?.contains("export declare function setHttpClient(") {
        return Err("the typings lack setHttpClient".into());
    }
    if !read("Index.ets")?.contains("CairnHttp") {
        return Err("Index.ets does not export CairnHttp".into());
    }
    let module_path = package.join("libs/arm64-v8a/libcairn.so");
    let image = fs::read(&module_path).map_err(|e| format!("libcairn.so: {e}"))?;
    check_module(&image).map_err(|e| format!("libs/arm64-v8a/libcairn.so: {e}"))
}

fn expect(value: &json5::Value, path: &[&str], wanted: &str) -> Result<(), String> {
    match value.at(path) {
        Some(json5::Value::Str(found)) if found == wanted => Ok(()),
        found => Err(format!("{} is {found:?}, expected {wanted:?}", path.join("."))),
    }
}

/// Just enough JSON5 for ohpm/hvigor manifests: objects, arrays, single- or double-quoted
/// strings, identifier keys, numbers, booleans, null, comments and trailing commas.
mod json5 {
    #[derive(Debug, Clone, PartialEq)]
    pub(crate) enum Value {
        Object(Vec<(String, Value)>),
        Array(Vec<Value>),
        Str(String),
        Number(f64),
        Bool(bool),
        Null,
    }

    impl Value {
        /// The value at a path of object keys.
        pub(crate) fn at(&self, path: &[&str]) -> Option<&Value> {
            let Some((first, rest)) = path.split_first() else { return Some(self) };
            match self {
                Value::Object(fields) => fields.iter().find(|(key, _)| key == first)?.1.at(rest),
                _ => None,
            }
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Value, String> {
        let mut parser = Parser { chars: text.chars().collect(), at: 0 };
        let value = parser.value()?;
        parser.blank()?;
        match parser.peek() {
            None => Ok(value),
            Some(c) => Err(format!("unexpected {c:?} after the value")),
        }
    }

    struct Parser {
        chars: Vec<char>,
        at: usize,
    }

    impl Parser {
        fn peek(&self) -> Option<char> {
            self.chars.get(self.at).copied()
        }

        fn next(&mut self) -> Result<char, String> {
            let c = self.peek().ok_or("unexpected end")?;
            self.at += 1;
            Ok(c)
        }

        /// Skips whitespace and comments.
        fn blank(&mut self) -> Result<(), String> {
            loop {
                match (self.peek(), self.chars.get(self.at + 1).copied()) {
                    (Some(c), _) if c.is_whitespace() => self.at += 1,
                    (Some('/'), Some('/')) => {
                        while self.peek().is_some_and(|c| c != '\n') {
                            self.at += 1;
                        }
                    }
                    (Some('/'), Some('*')) => {
                        self.at += 2;
                        while !(self.peek() == Some('*') && self.chars.get(self.at + 1) == Some(&'/')) {
                            self.next().map_err(|_| "unterminated comment")?;
                        }
                        self.at += 2;
                    }
                    _ => return Ok(()),
                }
            }
        }

        fn value(&mut self) -> Result<Value, String> {
            self.blank()?;
            match self.peek().ok_or("expected a value")? {
                '{' => self.object(),
                '[' => self.array(),
                '"' | '\'' => self.string().map(Value::Str),
                _ => {
                    let word = self.word();
                    match word.as_str() {
                        "true" => Ok(Value::Bool(true)),
                        "false" => Ok(Value::Bool(false)),
                        "null" => Ok(Value::Null),
                        number => {
                            number.parse().map(Value::Number).map_err(|_| format!("bad value {number:?}"))
                        }
                    }
                }
            }
        }

        fn word(&mut self) -> String {
            let start = self.at;
            while self.peek().is_some_and(|c| c.is_alphanumeric() || "_$+-.".contains(c)) {
                self.at += 1;
            }
            self.chars[start..self.at].iter().collect()
        }

        fn string(&mut self) -> Result<String, String> {
            let quote = self.next()?;
            let mut out = String::new();
            loop {
                match self.next().map_err(|_| "unterminated string")? {
                    c if c == quote => return Ok(out),
                    '\\' => match self.next()? {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        other => out.push(other),
                    },
                    '\n' => return Err("newline in a string".into()),
                    c => out.push(c),
                }
            }
        }

        fn object(&mut self) -> Result<Value, String> {
            self.at += 1;
            let mut fields = Vec::new();
            loop {
                self.blank()?;
                match self.peek() {
                    Some('}') => {
                        self.at += 1;
                        return Ok(Value::Object(fields));
                    }
                    Some('"' | '\'') => {
                        let key = self.string()?;
                        fields.push((key, self.after_key()?));
                    }
                    Some(c) if c.is_alphabetic() || c == '_' || c == '$' => {
                        let key = self.word();
                        fields.push((key, self.after_key()?));
                    }
                    other => return Err(format!("expected a key or '}}', found {other:?}")),
                }
                self.blank()?;
                match self.next()? {
                    ',' => {}
                    '}' => return Ok(Value::Object(fields)),
                    other => return Err(format!("expected ',' or '}}', found {other:?}")),
                }
            }
        }

        fn after_key(&mut self) -> Result<Value, String> {
            self.blank()?;
            if self.next()? != ':' {
                return Err("expected ':' after a key".into());
            }
            self.value()
        }

        fn array(&mut self) -> Result<Value, String> {
            self.at += 1;
            let mut items = Vec::new();
            loop {
                self.blank()?;
                if self.peek() == Some(']') {
                    self.at += 1;
                    return Ok(Value::Array(items));
                }
                items.push(self.value()?);
                self.blank()?;
                match self.next()? {
                    ',' => {}
                    ']' => return Ok(Value::Array(items)),
                    other => return Err(format!("expected ',' or ']', found {other:?}")),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::testing::{Spec, build};

    /// A HAR assembled from the real harmony/cairn sources around a synthetic module, in a
    /// fresh directory; `tamper` edits the layout before it is packed again.
    fn har_with(name: &str, module: &[u8], tamper: impl FnOnce(&Path)) -> (PathBuf, Result<(), String>) {
        let out = std::env::temp_dir().join(format!("cairn-xtask-har-{name}-{}", std::process::id()));
        recreate_dir(&out).unwrap();
        let so = out.join("libcairn_harmony.so");
        fs::write(&so, module).unwrap();
        let har = assemble_har(&out, &so, true).unwrap();
        tamper(&out.join("package"));
        pack(&out.join("package"), &har).unwrap();
        let result = check_har(&har);
        (out, result)
    }

    fn checked(name: &str, module: &[u8], tamper: impl FnOnce(&Path)) -> Result<(), String> {
        let (out, result) = har_with(name, module, tamper);
        fs::remove_dir_all(&out).unwrap();
        result
    }

    #[test]
    fn an_assembled_har_has_the_layout_ohpm_expects() {
        let (out, result) = har_with("good", &build(&Spec::good()), |_| {});
        assert_eq!(result, Ok(()));
        let listing = Command::new("tar").arg("-tzf").arg(out.join("cairn.har")).output().unwrap();
        let names = String::from_utf8(listing.stdout).unwrap();
        for entry in HAR_ENTRIES {
            assert!(names.lines().any(|name| name == format!("package/{entry}")), "{entry} in {names}");
        }
        assert!(names.contains(&format!("package/{LINK_CHECK_MARKER}")), "the link-check build is marked");
        fs::remove_dir_all(&out).unwrap();
    }

    #[test]
    fn a_wrong_har_is_refused() {
        let good = build(&Spec::good());
        let x86 = build(&Spec { machine: crate::elf::EM_X86_64, ..Spec::good() });
        assert!(checked("x86", &x86, |_| {}).unwrap_err().contains("aarch64"));
        let missing = checked("missing", &good, |p| fs::remove_file(p.join("Index.ets")).unwrap());
        assert!(missing.unwrap_err().contains("Index.ets is missing"));
        let hap = checked("hap", &good, |p| {
            let file = p.join("src/main/module.json5");
            let text = fs::read_to_string(&file).unwrap().replace("\"har\"", "\"hap\"");
            fs::write(file, text).unwrap();
        });
        assert!(hap.unwrap_err().contains("module.type"));
        let broken =
            checked("broken", &good, |p| fs::write(p.join("oh-package.json5"), "{ \"name\": ").unwrap());
        assert!(broken.unwrap_err().contains("oh-package.json5"));
    }

    #[test]
    fn json5_reads_manifests_with_comments_trailing_commas_and_bare_keys() {
        let text = "// c\n{ name: 'cairn', \"deps\": { \"libcairn.so\": \"file:./x\", }, /* b */ n: 5, ok: true, list: [1, 2,], }";
        let value = json5::parse(text).unwrap();
        assert_eq!(value.at(&["name"]), Some(&json5::Value::Str("cairn".into())));
        assert_eq!(value.at(&["deps", "libcairn.so"]), Some(&json5::Value::Str("file:./x".into())));
        assert_eq!(value.at(&["n"]), Some(&json5::Value::Number(5.0)));
        assert_eq!(value.at(&["missing"]), None);
        for bad in ["{ name: }", "{ \"a\": 1 \"b\": 2 }", "[1, 2", "{ 'x': 'y' } extra", "\"open"] {
            assert!(json5::parse(bad).is_err(), "{bad}");
        }
    }
}
